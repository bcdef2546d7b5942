import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig, withSecrets } from '../../functions/config.js';

const problemsOf = (env: Record<string, string>) => {
  try {
    parseConfig(env);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
};

describe('parseConfig', () => {
  it('applies the documented defaults', () => {
    const config = parseConfig({});
    expect(config.codearts).toMatchObject({
      region: 'cn-north-4',
      timeZone: '+08:00',
      concurrency: 8,
      auth: undefined,
    });
    expect(config.slack.apiUrl).toBe('https://slack.com/api/');
    expect(config.poll).toEqual({
      intervalSeconds: 60,
      activePollSeconds: 10,
      changeFeed: true,
      sweepMinutes: 10,
    });
    expect(config.queue).toEqual({ url: undefined, endpoint: undefined });
    expect(config.local).toEqual({ port: 3000, dataDir: '.notifier' });
    expect(config.apiKeys).toEqual([]);
  });

  it.each([
    [{ CODEARTS_CONCURRENCY: 'lots' }, 'CODEARTS_CONCURRENCY'],
    [{ CODEARTS_CONCURRENCY: '0' }, 'CODEARTS_CONCURRENCY'],
    [{ ACTIVE_POLL_SECONDS: '-1' }, 'ACTIVE_POLL_SECONDS'],
    [{ PORT: '70000' }, 'PORT'],
    [{ CODEARTS_REGION: 'Beijing' }, 'CODEARTS_REGION'],
    [{ CODEARTS_TIME_ZONE: 'CST' }, 'CODEARTS_TIME_ZONE'],
    [{ CODEARTS_ENDPOINT: 'ftp://x' }, 'CODEARTS_ENDPOINT'],
    [{ SLACK_API_URL: 'not a url' }, 'SLACK_API_URL'],
    [{ SLACK_BOT_TOKEN: 'hunter2' }, 'SLACK_BOT_TOKEN'],
    [{ NOTIFIER_API_KEY: 'short' }, 'NOTIFIER_API_KEY'],
    [{ HUAWEI_ACCESS_KEY: 'AK' }, 'HUAWEI_SECRET_KEY'],
    [{ HUAWEI_USER_NAME: 'me' }, 'HUAWEI_DOMAIN_NAME'],
  ])('names the variable at fault: %j', (env, variable) => {
    const problems = problemsOf(env);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(variable);
  });

  it.each(['CODEARTS_ENDPOINT', 'HUAWEI_IAM_ENDPOINT', 'SLACK_API_URL'])(
    'requires https for %s, except on this machine',
    (variable) => {
      const problems = problemsOf({ [variable]: 'http://codearts.example.com' });
      expect(problems).toEqual([expect.stringContaining(`${variable} must be an https URL`)]);
      expect(problemsOf({ [variable]: 'http://example.com.127.0.0.1.nip.io' })).toHaveLength(1);
      for (const local of ['http://127.0.0.1:4010', 'http://localhost:4010/api/', 'http://[::1]:4010']) {
        expect(problemsOf({ [variable]: local })).toEqual([]);
      }
      expect(problemsOf({ [variable]: 'https://{region}.example.com/' })).toEqual([]);
    },
  );

  it('reports every problem at once', () => {
    expect(problemsOf({ PORT: 'x', CODEARTS_CONCURRENCY: 'y' })).toHaveLength(2);
  });

  it('never echoes a secret value in its messages', () => {
    const problems = problemsOf({ SLACK_BOT_TOKEN: 'super-secret-value', HUAWEI_PASSWORD: 'p4ssw0rd' });
    expect(problems.join('\n')).not.toMatch(/super-secret-value|p4ssw0rd/);
  });

  it('picks the CodeArts auth mode from the variables present', () => {
    expect(parseConfig({ HUAWEI_AUTH_TOKEN: 'MIItoken' }).codearts.auth).toEqual({
      type: 'token',
      token: 'MIItoken',
    });
    expect(parseConfig({ HUAWEI_ACCESS_KEY: 'AK', HUAWEI_SECRET_KEY: 'SK' }).codearts.auth).toEqual({
      type: 'aksk',
      accessKey: 'AK',
      secretKey: 'SK',
    });
    expect(
      parseConfig({
        HUAWEI_DOMAIN_NAME: 'd',
        HUAWEI_USER_NAME: 'u',
        HUAWEI_PASSWORD: 'p',
        CODEARTS_REGION: 'cn-east-3',
      }).codearts.auth,
    ).toEqual({ type: 'password', domainName: 'd', userName: 'u', password: 'p', projectName: 'cn-east-3' });
  });

  it('splits comma-separated API keys', () => {
    expect(parseConfig({ NOTIFIER_API_KEY: 'aaaaaaaaaaaaaaaa, bbbbbbbbbbbbbbbb' }).apiKeys).toEqual([
      'aaaaaaaaaaaaaaaa',
      'bbbbbbbbbbbbbbbb',
    ]);
  });
});

describe('withSecrets', () => {
  it('merges JSON secrets under the documented names, explicit variables winning', async () => {
    const secrets: Record<string, string> = {
      'arn:slack': JSON.stringify({ SLACK_BOT_TOKEN: 'xoxb-from-secret', SLACK_SIGNING_SECRET: 'sig' }),
      'arn:keys': JSON.stringify({ NOTIFIER_API_KEY: 'k'.repeat(20) }),
    };
    const env = await withSecrets(
      { SLACK_SECRET_ARN: 'arn:slack', API_KEYS_SECRET_ARN: 'arn:keys', SLACK_SIGNING_SECRET: 'explicit' },
      async (arn) => secrets[arn],
    );
    expect(env.SLACK_BOT_TOKEN).toBe('xoxb-from-secret');
    expect(env.SLACK_SIGNING_SECRET).toBe('explicit');
    expect(parseConfig(env).apiKeys).toEqual(['k'.repeat(20)]);
  });

  it('rejects a secret that is not a JSON object, naming the variable', async () => {
    await expect(withSecrets({ HUAWEI_SECRET_ARN: 'arn:h' }, async () => 'not json')).rejects.toThrow(
      /HUAWEI_SECRET_ARN/,
    );
    await expect(withSecrets({ HUAWEI_SECRET_ARN: 'arn:h' }, async () => '[1]')).rejects.toThrow(
      /HUAWEI_SECRET_ARN/,
    );
  });
});
