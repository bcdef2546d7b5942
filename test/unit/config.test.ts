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

  it.each(['CODEARTS_ENDPOINT', 'HUAWEI_IAM_ENDPOINT', 'SLACK_API_URL', 'SLACK_HOOKS_URL'])(
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
    expect(
      parseConfig({ NOTIFIER_API_KEY: 'aaaaaaaaaaaaaaaa, bbbbbbbbbbbbbbbb' }).apiKeys.map((k) => k.key),
    ).toEqual(['aaaaaaaaaaaaaaaa', 'bbbbbbbbbbbbbbbb']);
  });
});

describe('named and scoped API keys (NOTIFIER_API_KEY)', () => {
  const DASH = 'd'.repeat(24);
  const CI = 'c'.repeat(24);

  it('reads name:scope:key entries beside bare keys, which stay write keys with a stable name', () => {
    const keys = parseConfig({
      NOTIFIER_API_KEY: `dashboard:read:${DASH}, ci:write:${CI}, ${'b'.repeat(20)}`,
    }).apiKeys;
    expect(keys).toEqual([
      { name: 'dashboard', scope: 'read', key: DASH },
      { name: 'ci', scope: 'write', key: CI },
      { name: expect.stringMatching(/^key-[0-9a-f]{8}$/), scope: 'write', key: 'b'.repeat(20) },
    ]);
    expect(parseConfig({ NOTIFIER_API_KEY: 'b'.repeat(20) }).apiKeys[0]?.name).toBe(keys[2]?.name);
  });

  it.each([
    [`dashboard:admin:${DASH}`, 'the scope must be read or write'],
    [`bad name:read:${DASH}`, 'the name must be'],
    ['ci:write:short', '16–512 printable characters'],
    [`a:b:c:${DASH}`, 'name:scope:key'],
    [`ci:write:${CI},ci:read:${DASH}`, 'the name ci is used twice'],
    [`one:write:${CI},two:read:${CI}`, 'the same key is listed twice'],
  ])('refuses %s with one message naming the variable, never the key', (value, message) => {
    const problems = problemsOf({ NOTIFIER_API_KEY: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('NOTIFIER_API_KEY');
    expect(problems[0]).toContain(message);
    expect(problems[0]).not.toContain(DASH);
    expect(problems[0]).not.toContain(CI);
  });
});

describe('trust settings', () => {
  it('reads SLACK_TEAM_ID and the channel caps, with their defaults', () => {
    expect(parseConfig({}).slack.teamIds).toEqual([]);
    expect(parseConfig({}).channels).toEqual({ maxWatches: 100, maxUnverified: 5 });
    const config = parseConfig({
      SLACK_TEAM_ID: 'T0123ABCD, E0456EFGH',
      MAX_WATCHES_PER_CHANNEL: '1000',
      MAX_UNVERIFIED_PER_CHANNEL: '0',
    });
    expect(config.slack.teamIds).toEqual(['T0123ABCD', 'E0456EFGH']);
    expect(config.channels).toEqual({ maxWatches: 1000, maxUnverified: 0 });
  });

  it.each([
    [{ SLACK_TEAM_ID: 'acme' }, 'SLACK_TEAM_ID'],
    [{ MAX_WATCHES_PER_CHANNEL: '0' }, 'MAX_WATCHES_PER_CHANNEL'],
    [{ MAX_WATCHES_PER_CHANNEL: '1001' }, 'MAX_WATCHES_PER_CHANNEL'],
    [{ MAX_UNVERIFIED_PER_CHANNEL: '101' }, 'MAX_UNVERIFIED_PER_CHANNEL'],
  ])('names the variable at fault: %j', (env, variable) => {
    expect(problemsOf(env)).toEqual([expect.stringContaining(variable)]);
  });
});

describe('withSecrets', () => {
  it('merges JSON secrets under the documented names, explicit variables winning', async () => {
    const secrets: Record<string, string> = {
      'arn:slack': JSON.stringify({ SLACK_BOT_TOKEN: 'xoxb-from-secret' }),
      'arn:signing': JSON.stringify({ SLACK_SIGNING_SECRET: 'sig' }),
      'arn:keys': JSON.stringify({ NOTIFIER_API_KEY: 'k'.repeat(20) }),
    };
    const env = await withSecrets(
      {
        SLACK_SECRET_ARN: 'arn:slack',
        SLACK_SIGNING_SECRET_ARN: 'arn:signing',
        API_KEYS_SECRET_ARN: 'arn:keys',
        SLACK_SIGNING_SECRET: 'explicit',
      },
      async (arn) => secrets[arn],
    );
    expect(env.SLACK_BOT_TOKEN).toBe('xoxb-from-secret');
    expect(env.SLACK_SIGNING_SECRET).toBe('explicit');
    expect(parseConfig(env).apiKeys.map((k) => k.key)).toEqual(['k'.repeat(20)]);
  });

  it('takes from each secret only the variables that secret is for', async () => {
    const secrets: Record<string, string> = {
      // A bot token secret that still holds the signing secret (as before the two were split).
      'arn:bot': JSON.stringify({
        SLACK_BOT_TOKEN: 'xoxb-bot',
        SLACK_SIGNING_SECRET: 'leaked',
        NOTIFIER_API_KEY: 'x'.repeat(20),
      }),
      'arn:signing': JSON.stringify({ SLACK_SIGNING_SECRET: 'sig', SLACK_BOT_TOKEN: 'xoxb-leaked' }),
    };
    const poller = await withSecrets({ SLACK_SECRET_ARN: 'arn:bot' }, async (arn) => secrets[arn]);
    expect(poller).toEqual({ SLACK_SECRET_ARN: 'arn:bot', SLACK_BOT_TOKEN: 'xoxb-bot' });
    const api = await withSecrets({ SLACK_SIGNING_SECRET_ARN: 'arn:signing' }, async (arn) => secrets[arn]);
    expect(api).toEqual({ SLACK_SIGNING_SECRET_ARN: 'arn:signing', SLACK_SIGNING_SECRET: 'sig' });
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
