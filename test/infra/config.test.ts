import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { describe, expect, it } from 'vitest';
import {
  type ContextKey,
  DEFAULT_SETTINGS,
  readSettings,
  SettingsError,
  tickSeconds,
} from '../../lib/config.js';
import { buildApp } from './notifier-app.js';

const read = (context: Partial<Record<ContextKey, unknown>>) => readSettings((key) => context[key]);

const problemsOf = (context: Partial<Record<ContextKey, unknown>>): readonly string[] => {
  try {
    read(context);
  } catch (error) {
    if (error instanceof SettingsError) return error.problems;
    throw error;
  }
  throw new Error('expected a SettingsError');
};

describe('readSettings', () => {
  it('defaults: one-minute schedule, 10 s active polling, 8 calls, feed on, 10-minute sweep, 30-day logs', () => {
    expect(read({})).toEqual({
      ...DEFAULT_SETTINGS,
      region: undefined,
      codeartsEndpoint: undefined,
      huaweiIamEndpoint: undefined,
      codeartsConsoleUrl: undefined,
      slackApiUrl: undefined,
      alarmEmail: undefined,
      alarmTopicArn: undefined,
      huaweiSecretArn: undefined,
      slackSecretArn: undefined,
      slackSigningSecretArn: undefined,
      apiKeysSecretArn: undefined,
      slackTeamIds: undefined,
      maxWatchesPerChannel: undefined,
      maxUnverifiedPerChannel: undefined,
    });
    expect(read({}).logRetention).toBe(RetentionDays.ONE_MONTH);
  });

  it('accepts numbers as JSON (cdk.json) or as strings (-c)', () => {
    expect(read({ activePollSeconds: 15, codeartsConcurrency: '16', sweepMinutes: '30' })).toMatchObject({
      activePollSeconds: 15,
      codeartsConcurrency: 16,
      sweepMinutes: 30,
    });
    expect(read({ logRetentionDays: '90' }).logRetention).toBe(RetentionDays.THREE_MONTHS);
  });

  it('treats an empty -c value as unset', () => {
    expect(read({ codeartsEndpoint: '', schedule: '' })).toMatchObject({
      codeartsEndpoint: undefined,
      schedule: 'rate(1 minute)',
    });
  });

  it('accepts cron schedules and complete secret ARNs', () => {
    const arn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:notifier/slack-a1B2c3';
    expect(read({ schedule: 'cron(* * * * ? *)', slackSecretArn: arn })).toMatchObject({
      schedule: 'cron(* * * * ? *)',
      slackSecretArn: arn,
    });
  });

  it('reports every invalid key at once, naming the key and what it expects', () => {
    const problems = problemsOf({
      schedule: 'every minute',
      activePollSeconds: '0',
      codeartsConcurrency: 'eight',
      codeartsRegion: 'Beijing',
      codeartsTimeZone: '8',
      codeartsEndpoint: 'codearts.example.com',
      logRetentionDays: 2,
      alarmEmail: 'nobody',
      huaweiSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:huawei',
      region: 'Europe',
    });
    expect(problems.map((p) => p.split('=')[0])).toEqual([
      'region',
      'schedule',
      'activePollSeconds',
      'codeartsConcurrency',
      'codeartsRegion',
      'codeartsTimeZone',
      'codeartsEndpoint',
      'logRetentionDays',
      'alarmEmail',
      'huaweiSecretArn',
    ]);
    expect(problems[0]).toBe(
      'region="Europe": expected AWS region such as eu-west-1; omit for an environment-agnostic stack',
    );
    expect(problems.find((p) => p.startsWith('huaweiSecretArn'))).toContain(
      'complete Secrets Manager secret ARN',
    );
  });

  it('takes active polling up to 300 s and a call budget up to 256, and no further', () => {
    expect(read({ activePollSeconds: 300, codeartsConcurrency: 256 })).toMatchObject({
      activePollSeconds: 300,
      codeartsConcurrency: 256,
    });
    expect(problemsOf({ activePollSeconds: 301, codeartsConcurrency: 257 })).toEqual([
      'activePollSeconds=301: expected integer 1..300 (seconds a running task waits on the poll queue before its next poll)',
      'codeartsConcurrency=257: expected integer 1..256 (CodeArts calls in flight across every worker)',
    ]);
  });

  it('reads the change feed as on or off, and the sweep as 1..1440 minutes', () => {
    expect(read({ changeFeed: 'off' }).changeFeed).toBe(false);
    expect(read({ changeFeed: 'on' }).changeFeed).toBe(true);
    expect(problemsOf({ changeFeed: 'yes', sweepMinutes: '0' })).toEqual([
      'changeFeed="yes": expected on or off',
      'sweepMinutes="0": expected integer 1..1440 (minutes between direct polls of every task)',
    ]);
    expect(problemsOf({ changeFeed: true, sweepMinutes: 1441 }).map((p) => p.split('=')[0])).toEqual([
      'changeFeed',
      'sweepMinutes',
    ]);
  });

  it('derives the tick period from the schedule: rate(N minutes) is N × 60 s, a cron one minute', () => {
    expect(tickSeconds('rate(1 minute)')).toBe(60);
    expect(tickSeconds('rate(5 minutes)')).toBe(300);
    expect(tickSeconds('rate(1 hour)')).toBe(3600);
    expect(tickSeconds('rate(2 days)')).toBe(172_800);
    expect(tickSeconds('cron(0/5 * * * ? *)')).toBe(60);
    for (const refused of ['rate(0 minutes)', 'rate(1 minutes)', 'rate(2 minute)', 'every minute']) {
      expect(tickSeconds(refused)).toBeUndefined();
    }
  });

  it('refuses a schedule slower than an hour (the functions take POLL_INTERVAL_SECONDS up to 3600)', () => {
    expect(read({ schedule: 'rate(60 minutes)' }).schedule).toBe('rate(60 minutes)');
    for (const schedule of ['rate(61 minutes)', 'rate(2 hours)', 'rate(1 day)', 'rate(1 minutes)']) {
      expect(problemsOf({ schedule })).toEqual([expect.stringMatching(/^schedule=.*expected Scheduler/)]);
    }
  });

  it('requires https for the endpoints credentials travel to; the console link may be http', () => {
    const problems = problemsOf({
      codeartsEndpoint: 'http://codearts.example.com',
      huaweiIamEndpoint: 'http://iam.example.com',
      slackApiUrl: 'http://slack.example.com/api/',
      codeartsConsoleUrl: 'http://console.example.com/{task_id}',
    });
    expect(problems.map((p) => p.split('=')[0])).toEqual([
      'codeartsEndpoint',
      'huaweiIamEndpoint',
      'slackApiUrl',
    ]);
    expect(problems[0]).toContain('https URL');
  });

  it('rejects alarmEmail together with alarmTopicArn', () => {
    const problems = problemsOf({
      alarmEmail: 'ops@example.com',
      alarmTopicArn: 'arn:aws:sns:eu-west-1:123456789012:ops',
    });
    expect(problems).toEqual([expect.stringContaining('alarmEmail and alarmTopicArn are both set')]);
  });

  it('the app refuses to define a stack from invalid context', () => {
    expect(() => buildApp({ codeartsConcurrency: '0' })).toThrow(SettingsError);
    expect(() => buildApp({ codeartsConcurrency: '0' })).toThrow(
      /codeartsConcurrency="0": expected integer 1\.\.256/,
    );
  });
});
