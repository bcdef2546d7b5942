// Configuration: every environment variable the functions read (on Lambda the stack sets them:
// lib/notifier-stack.ts), parsed and validated once at start.
// Every problem is reported at once, each naming its variable and the fix.
import { createHash } from 'node:crypto';
import { MAX_CODEARTS_CONCURRENCY } from './shared/call-budget.js';
import type { CodeArtsAuth } from './shared/codearts-auth.js';
import { DEFAULTS, RANGES, TIME_ZONE_OFFSET_PATTERN } from './shared/defaults.js';
import { isLoopback } from './shared/loopback.js';
import { REGION_PATTERN } from './shared/region.js';

/** `read`: the GET routes (dashboards); `write`: every route. */
export type ApiKeyScope = 'read' | 'write';

/** A bearer key for the HTTP API, with the name the audit trail and the log know it by. */
export interface ApiKey {
  name: string;
  scope: ApiKeyScope;
  key: string;
}

export interface NotifierConfig {
  codearts: {
    region: string;
    /** Base URL override for all regions (the simulator locally); undefined = Huawei's regional endpoints. */
    endpoint: string | undefined;
    iamEndpoint: string | undefined;
    /** Zone of CodeArts' zone-less timestamps, e.g. `+08:00`. */
    timeZone: string;
    consoleUrlTemplate: string | undefined;
    concurrency: number;
    auth: CodeArtsAuth | undefined;
  };
  slack: {
    botToken: string | undefined;
    apiUrl: string;
    signingSecret: string | undefined;
    /** Workspaces (SLACK_TEAM_ID) allowed to use the slash command and buttons; empty: any workspace that signs. */
    teamIds: string[];
    /** Where Slack's `response_url`s live (SLACK_HOOKS_URL): answers to button presses go nowhere else. */
    hooksUrl: string;
  };
  apiKeys: ApiKey[];
  /** What one Slack channel may hold. */
  channels: { maxWatches: number; maxUnverified: number };
  poll: {
    intervalSeconds: number;
    activePollSeconds: number;
    /** Ask ListAllApp per CodeArts project what moved (CHANGE_FEED=on), or poll every task every tick. */
    changeFeed: boolean;
    /** Every watched task is polled directly at least this often, whatever the feed says. */
    sweepMinutes: number;
  };
  table: { name: string | undefined; endpoint: string | undefined };
  queue: { url: string | undefined; endpoint: string | undefined };
  local: { port: number; dataDir: string };
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

type Env = Record<string, string | undefined>;

/** Not a problem parseConfig reports (the CLI and the tests run without a table), but every Lambda needs one. */
export const TABLE_NAME_MISSING = 'TABLE_NAME is missing: set it to the notifier table name';

/** Parses the environment (already merged with any Secrets Manager values). Throws ConfigError. */
export function parseConfig(env: Env): NotifierConfig {
  const problems: string[] = [];
  const text = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  };
  const integer = (name: string, fallback: number, { min, max }: { min: number; max: number }): number => {
    const raw = text(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      problems.push(`${name} must be a whole number from ${min} to ${max} (got "${raw}")`);
      return fallback;
    }
    return value;
  };
  const onOff = (name: string, fallback: boolean): boolean => {
    const raw = text(name)?.toLowerCase();
    if (raw === undefined) return fallback;
    if (raw === 'on' || raw === 'off') return raw === 'on';
    problems.push(`${name} must be on or off (got "${raw}")`);
    return fallback;
  };
  const url = (name: string, options: { secure?: boolean } = {}): string | undefined => {
    const raw = text(name);
    if (raw === undefined) return undefined;
    let parsed: URL;
    try {
      parsed = new URL(raw.replaceAll('{region}', 'region'));
      if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error('protocol');
    } catch {
      problems.push(`${name} must be an http(s) URL (got "${raw}")`);
      return undefined;
    }
    if (options.secure === true && parsed.protocol !== 'https:' && !isLoopback(parsed.hostname)) {
      problems.push(
        `${name} must be an https URL: credentials travel to it (plain http is only for 127.0.0.1, ::1 or localhost; got "${raw}")`,
      );
      return undefined;
    }
    return raw;
  };

  const region = text('CODEARTS_REGION') ?? DEFAULTS.codeartsRegion;
  if (!REGION_PATTERN.test(region))
    problems.push(`CODEARTS_REGION must be a region ID such as cn-north-4 (got "${region}")`);
  const timeZone = text('CODEARTS_TIME_ZONE') ?? DEFAULTS.codeartsTimeZone;
  if (!TIME_ZONE_OFFSET_PATTERN.test(timeZone))
    problems.push(`CODEARTS_TIME_ZONE must be an offset such as +08:00 (got "${timeZone}")`);

  const consoleUrlTemplate = text('CODEARTS_CONSOLE_URL');
  if (consoleUrlTemplate !== undefined) {
    try {
      new URL(consoleUrlTemplate.replace(/\{(region|task_id|record_id)\}/g, 'x'));
    } catch {
      problems.push(`CODEARTS_CONSOLE_URL must be a URL template with {region}, {task_id}, {record_id}`);
    }
  }

  const apiUrl = url('SLACK_API_URL', { secure: true }) ?? DEFAULTS.slackApiUrl;
  const hooksUrl = url('SLACK_HOOKS_URL', { secure: true }) ?? DEFAULTS.slackHooksUrl;
  const botToken = text('SLACK_BOT_TOKEN');
  if (botToken !== undefined && !/^xox[a-z]-/.test(botToken)) {
    problems.push('SLACK_BOT_TOKEN must be a Slack bot token (xoxb-…)');
  }

  const apiKeys = parseApiKeys(text('NOTIFIER_API_KEY'), problems);

  const teamIds = (text('SLACK_TEAM_ID') ?? '')
    .split(',')
    .map((team) => team.trim())
    .filter((team) => team !== '');
  if (teamIds.some((team) => !TEAM_ID.test(team))) {
    problems.push(
      'SLACK_TEAM_ID must be Slack workspace IDs (T…, or E… for an Enterprise Grid), comma-separated',
    );
  }

  const config: NotifierConfig = {
    codearts: {
      region,
      endpoint: url('CODEARTS_ENDPOINT', { secure: true }),
      iamEndpoint: url('HUAWEI_IAM_ENDPOINT', { secure: true }),
      timeZone,
      consoleUrlTemplate,
      concurrency: integer('CODEARTS_CONCURRENCY', DEFAULTS.codeartsConcurrency, {
        min: 1,
        max: MAX_CODEARTS_CONCURRENCY,
      }),
      auth: parseAuth(text, problems, region),
    },
    slack: { botToken, apiUrl, signingSecret: text('SLACK_SIGNING_SECRET'), teamIds, hooksUrl },
    apiKeys,
    channels: {
      maxWatches: integer(
        'MAX_WATCHES_PER_CHANNEL',
        DEFAULTS.maxWatchesPerChannel,
        RANGES.maxWatchesPerChannel,
      ),
      maxUnverified: integer(
        'MAX_UNVERIFIED_PER_CHANNEL',
        DEFAULTS.maxUnverifiedPerChannel,
        RANGES.maxUnverifiedPerChannel,
      ),
    },
    poll: {
      intervalSeconds: integer('POLL_INTERVAL_SECONDS', DEFAULTS.pollIntervalSeconds, { min: 5, max: 3600 }),
      activePollSeconds: integer('ACTIVE_POLL_SECONDS', DEFAULTS.activePollSeconds, { min: 0, max: 300 }),
      changeFeed: onOff('CHANGE_FEED', DEFAULTS.changeFeed),
      sweepMinutes: integer('SWEEP_MINUTES', DEFAULTS.sweepMinutes, RANGES.sweepMinutes),
    },
    table: { name: text('TABLE_NAME'), endpoint: url('DYNAMODB_ENDPOINT') },
    queue: { url: url('POLL_QUEUE_URL'), endpoint: url('SQS_ENDPOINT') },
    local: {
      port: integer('PORT', 3000, { min: 0, max: 65535 }),
      dataDir: text('NOTIFIER_DATA_DIR') ?? '.notifier',
    },
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

const TEAM_ID = /^[TE][A-Z0-9]{6,20}$/;
const KEY_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
/** What a bearer token may be made of (see handlers/http/auth.ts): no spaces, no commas or colons. */
const KEY_CHARACTERS = /^[\x21-\x7e]{16,512}$/;

/**
 * NOTIFIER_API_KEY: comma-separated entries, each `name:scope:key` (scope `read` or `write`) or a bare `key`,
 * which is a write key named `key-` and the start of its SHA-256 (stable, and says nothing of the key).
 * Problems name the entry by position, never by its value.
 */
function parseApiKeys(raw: string | undefined, problems: string[]): ApiKey[] {
  const keys: ApiKey[] = [];
  const entries = (raw ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  entries.forEach((entry, index) => {
    const where = `NOTIFIER_API_KEY entry ${index + 1}`;
    const parts = entry.split(':');
    let key: ApiKey;
    if (parts.length === 1) {
      key = {
        name: `key-${createHash('sha256').update(entry).digest('hex').slice(0, 8)}`,
        scope: 'write',
        key: entry,
      };
    } else if (parts.length === 3) {
      const [name = '', scope = '', value = ''] = parts;
      if (!KEY_NAME.test(name)) {
        problems.push(`${where}: the name must be 1–64 letters, digits, '.', '_' or '-' (name:scope:key)`);
        return;
      }
      if (scope !== 'read' && scope !== 'write') {
        problems.push(`${where}: the scope must be read or write (name:scope:key)`);
        return;
      }
      key = { name, scope, key: value };
    } else {
      problems.push(`${where}: write a key as name:scope:key (scope read or write), or as the bare key`);
      return;
    }
    if (!KEY_CHARACTERS.test(key.key)) {
      problems.push(`${where}: the key must be 16–512 printable characters without spaces, commas or colons`);
      return;
    }
    if (keys.some((other) => other.name === key.name)) {
      problems.push(`${where}: the name ${key.name} is used twice`);
      return;
    }
    if (keys.some((other) => other.key === key.key)) {
      problems.push(`${where}: the same key is listed twice`);
      return;
    }
    keys.push(key);
  });
  return keys;
}

function parseAuth(
  text: (name: string) => string | undefined,
  problems: string[],
  region: string,
): CodeArtsAuth | undefined {
  const token = text('HUAWEI_AUTH_TOKEN');
  if (token) return { type: 'token', token };
  const accessKey = text('HUAWEI_ACCESS_KEY');
  const secretKey = text('HUAWEI_SECRET_KEY');
  if (accessKey || secretKey) {
    if (!accessKey || !secretKey) {
      problems.push(
        `${accessKey ? 'HUAWEI_SECRET_KEY' : 'HUAWEI_ACCESS_KEY'} is missing: AK/SK signing needs both keys`,
      );
      return undefined;
    }
    return { type: 'aksk', accessKey, secretKey };
  }
  const names = ['HUAWEI_DOMAIN_NAME', 'HUAWEI_USER_NAME', 'HUAWEI_PASSWORD'] as const;
  const [domainName, userName, password] = names.map(text);
  if (domainName || userName || password) {
    const missing = names.filter((name) => !text(name));
    if (missing.length > 0 || !domainName || !userName || !password) {
      problems.push(
        `${missing.join(', ')} missing: IAM password auth needs HUAWEI_DOMAIN_NAME, HUAWEI_USER_NAME and HUAWEI_PASSWORD`,
      );
      return undefined;
    }
    return {
      type: 'password',
      domainName,
      userName,
      password,
      projectName: text('HUAWEI_PROJECT_NAME') ?? region,
    };
  }
  return undefined;
}

/**
 * The Secrets Manager references a Lambda receives instead of secret values, each with the only
 * variables its secret may set. A function is given only the ARNs it needs, and a key put in the wrong secret is
 * ignored, so (for example) a signing secret left in the bot token's secret never reaches the poller.
 */
export const SECRET_VARIABLES = {
  HUAWEI_SECRET_ARN: [
    'HUAWEI_DOMAIN_NAME',
    'HUAWEI_USER_NAME',
    'HUAWEI_PASSWORD',
    'HUAWEI_PROJECT_NAME',
    'HUAWEI_ACCESS_KEY',
    'HUAWEI_SECRET_KEY',
    'HUAWEI_AUTH_TOKEN',
  ],
  /** The Slack bot token: the poller (and the workers) post with it. */
  SLACK_SECRET_ARN: ['SLACK_BOT_TOKEN'],
  /** The Slack signing secret: the api function verifies slash commands with it. */
  SLACK_SIGNING_SECRET_ARN: ['SLACK_SIGNING_SECRET'],
  API_KEYS_SECRET_ARN: ['NOTIFIER_API_KEY'],
} as const satisfies Record<string, readonly string[]>;

export type SecretArnVariable = keyof typeof SECRET_VARIABLES;
export const SECRET_ARN_VARIABLES = Object.keys(SECRET_VARIABLES) as SecretArnVariable[];

/**
 * Merges the JSON secrets named by `*_SECRET_ARN` into the environment (explicit variables win), so the
 * same names work locally and on Lambda. `readSecret` returns the secret string (cached by the caller).
 */
export async function withSecrets(
  env: Env,
  readSecret: (arn: string) => Promise<string | undefined>,
): Promise<Env> {
  const merged: Env = {};
  for (const variable of SECRET_ARN_VARIABLES) {
    const arn = env[variable];
    if (!arn) continue;
    const raw = await readSecret(arn);
    let values: unknown;
    try {
      values = JSON.parse(raw ?? '');
    } catch {
      throw new ConfigError([`${variable}: the secret is not a JSON object of variable names to values`]);
    }
    if (typeof values !== 'object' || values === null || Array.isArray(values)) {
      throw new ConfigError([`${variable}: the secret is not a JSON object of variable names to values`]);
    }
    const allowed: readonly string[] = SECRET_VARIABLES[variable];
    for (const [key, value] of Object.entries(values)) {
      if (allowed.includes(key) && typeof value === 'string' && value !== '') merged[key] = value;
    }
  }
  return {
    ...merged,
    ...Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== '')),
  };
}
