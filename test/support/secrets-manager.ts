// Test support: Secrets Manager's GetSecretValue over real HTTP (the AWS JSON 1.1 protocol the SDK speaks), so
// the functions read their secrets through Powertools' getSecret and the real SDK client, exactly as on Lambda.
// `put` is `aws secretsmanager put-secret-value`; `reads` counts what reached the service (cache misses).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeSecretsManager {
  /** Set as AWS_ENDPOINT_URL_SECRETS_MANAGER. */
  url: string;
  /** The ARN a secret of this name has. */
  arn(name: string): string;
  /** put-secret-value: the JSON object becomes the secret's string. */
  put(name: string, values: Record<string, string>): void;
  /** GetSecretValue calls received, by secret name. */
  reads(name: string): number;
  stop(): Promise<void>;
}

export async function startFakeSecretsManager(): Promise<FakeSecretsManager> {
  const secrets = new Map<string, { value: string; version: number }>();
  const reads = new Map<string, number>();
  const arn = (name: string) => `arn:aws:secretsmanager:us-east-1:123456789012:secret:${name}-AbCdEf`;
  const nameOf = (id: string) =>
    id.replace(/^arn:aws:secretsmanager:[^:]+:\d+:secret:/, '').replace(/-\w{6}$/, '');

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const answer = (status: number, body: unknown, type?: string) => {
        res.writeHead(status, {
          'content-type': 'application/x-amz-json-1.1',
          ...(type === undefined ? {} : { 'x-amzn-errortype': type }),
        });
        res.end(JSON.stringify(body));
      };
      if (req.headers['x-amz-target'] !== 'secretsmanager.GetSecretValue') {
        answer(
          400,
          { __type: 'UnknownOperationException', message: 'only GetSecretValue' },
          'UnknownOperationException',
        );
        return;
      }
      const { SecretId } = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as {
        SecretId?: string;
      };
      const name = nameOf(SecretId ?? '');
      reads.set(name, (reads.get(name) ?? 0) + 1);
      const secret = secrets.get(name);
      if (secret === undefined) {
        answer(
          400,
          { __type: 'ResourceNotFoundException', message: 'Secrets Manager can’t find the secret' },
          'ResourceNotFoundException',
        );
        return;
      }
      answer(200, {
        ARN: arn(name),
        Name: name,
        SecretString: secret.value,
        VersionId: `v${secret.version}`,
        VersionStages: ['AWSCURRENT'],
        CreatedDate: 1_800_000_000,
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    arn,
    put: (name, values) =>
      secrets.set(name, { value: JSON.stringify(values), version: (secrets.get(name)?.version ?? 0) + 1 }),
    reads: (name) => reads.get(name) ?? 0,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
