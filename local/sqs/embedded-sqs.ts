// local → an embedded SQS (local-aws-sqs) speaking the real wire protocol, in memory only, with the poll queue
// created. Nothing survives a restart, and nothing needs to: the task items are the truth, and the planner
// refills the queue on its next tick.
import { createServer } from 'node:http';
import { CreateQueueCommand, GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { createRequestHandler } from 'local-aws-sqs';
import { createSqsClient } from '../../functions/adapters/sqs/client.js';
import { listen } from '../listen.js';

export interface EmbeddedSqsOptions {
  /** Default 'notifier-polls'. */
  queueName?: string;
  /** The queue's default visibility timeout (a receive may ask for another); default 30. */
  visibilityTimeoutSeconds?: number;
  /** Shown in the queue's ARN and the events built from it; default 'local'. */
  region?: string;
  /** Default 0 (any free port). */
  port?: number;
}

export interface EmbeddedSqs {
  /** Pass to createSqsClient({ endpoint }). */
  endpoint: string;
  queueUrl: string;
  queueArn: string;
  region: string;
  stop(): Promise<void>;
}

/** Starts local-aws-sqs on 127.0.0.1 and creates the poll queue (a standard queue: per-message delays). */
export async function startEmbeddedSqs(options: EmbeddedSqsOptions = {}): Promise<EmbeddedSqs> {
  const region = options.region ?? 'local';
  // createRequestHandler rather than createSqsServer: that one never rejects, so a port in use would leave it
  // pending with an unhandled 'error' event; with our own server, listen errors reach the caller.
  const { service, requestHandler } = createRequestHandler({
    port: options.port ?? 0,
    hostname: '127.0.0.1',
    region,
    // A restarted test or service may create its queue again at once.
    emulateQueueCreationLifecycle: false,
  });
  const server = createServer((req, res) => {
    requestHandler(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  const port = await listen(server, options.port ?? 0, '127.0.0.1');
  // Queue URLs carry the port; the library learns it this way when it starts the server itself.
  service.PORT = port;
  const endpoint = `http://127.0.0.1:${port}`;
  const stop = () =>
    new Promise<void>((resolve) => {
      // Clears every message's timers too.
      service.resetAll();
      server.close(() => resolve());
      server.closeAllConnections();
    });
  const client = createSqsClient({ endpoint, region, maxAttempts: 1 });
  try {
    const created = await client.send(
      new CreateQueueCommand({
        QueueName: options.queueName ?? 'notifier-polls',
        Attributes: { VisibilityTimeout: String(options.visibilityTimeoutSeconds ?? 30) },
      }),
    );
    const queueUrl = created.QueueUrl!;
    const attributes = await client.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
    );
    return { endpoint, queueUrl, queueArn: attributes.Attributes!.QueueArn!, region, stop };
  } catch (error) {
    await stop();
    throw error;
  } finally {
    client.destroy();
  }
}
