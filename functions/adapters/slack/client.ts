// adapters/slack → the WebClients of a short-lived worker: bounded retries, a per-request timeout, 429 rejected at
// once (the next cycle retries; waiting inside a Lambda would only burn its time), a small concurrency, and no
// absolute URLs (a method name can never send the token elsewhere). Two of them, built together: one that retries
// for every idempotent call, and one that never does, for chat.postMessage.
import { LogLevel, type Logger as SlackLogger, WebClient } from '@slack/web-api';
import type { Logger } from '../../ports.js';
import { DEFAULTS } from '../../shared/defaults.js';
import { cappedFetch } from '../capped-body.js';

export interface SlackWebClientOptions {
  /** Bot token (xoxb-…). */
  token: string;
  /** Web API base URL (SLACK_API_URL); default https://slack.com/api/. */
  apiUrl?: string;
  /** Per-attempt timeout; default 4000 ms. */
  timeoutMs?: number;
  /** Automatic retries of network errors and HTTP 5xx; default 2. Platform errors and 429 are never retried. */
  retries?: number;
  /** Backoff before the first retry; default 500 ms (doubling, capped by retryMaxDelayMs). */
  retryMinDelayMs?: number;
  /** Default 2000 ms. */
  retryMaxDelayMs?: number;
  /** Requests in flight at once; default 3. */
  maxConcurrency?: number;
  /** Where the SDK logs; default the SDK's console logger at WARN. */
  logger?: Logger;
}

interface Settings extends Required<Omit<SlackWebClientOptions, 'logger'>> {
  logger: Logger | undefined;
}

/** The clients the Slack adapter calls with, built with the same settings. */
export interface SlackWebClients {
  /** Every call but chat.postMessage (updates, lookups, permalinks, user groups): retried as configured. */
  calls: WebClient;
  /**
   * chat.postMessage only: never retried automatically, since a retry after a timeout or a lost answer would post
   * twice; the caller finds an unknown outcome by the message's metadata instead.
   */
  posts: WebClient;
}

function resolve(options: SlackWebClientOptions): Settings {
  if (!options.token) throw new Error('createSlackWebClients: a bot token is required');
  const apiUrl = options.apiUrl || DEFAULTS.slackApiUrl;
  let parsed: URL;
  try {
    parsed = new URL(apiUrl);
  } catch {
    throw new Error(`createSlackWebClients: apiUrl is not a URL: ${apiUrl}`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new Error(`createSlackWebClients: apiUrl must be http(s): ${apiUrl}`);
  }
  const nonNegative = (name: string, value: number | undefined, fallback: number): number => {
    const v = value ?? fallback;
    if (!Number.isFinite(v) || v < 0) throw new Error(`createSlackWebClients: ${name} must be ≥ 0`);
    return v;
  };
  return {
    token: options.token,
    apiUrl,
    timeoutMs: nonNegative('timeoutMs', options.timeoutMs, 4000),
    retries: Math.floor(nonNegative('retries', options.retries, 2)),
    retryMinDelayMs: nonNegative('retryMinDelayMs', options.retryMinDelayMs, 500),
    retryMaxDelayMs: nonNegative('retryMaxDelayMs', options.retryMaxDelayMs, 2000),
    maxConcurrency: Math.max(1, Math.floor(nonNegative('maxConcurrency', options.maxConcurrency, 3))),
    logger: options.logger,
  };
}

const TOKEN_PATTERN = /xox[a-z]-[A-Za-z0-9-]+/g;

/** The SDK's logger interface over ours, scrubbing anything that looks like a Slack token. */
function slackLogger(logger: Logger, token: string): SlackLogger {
  let level = LogLevel.INFO;
  const order = [LogLevel.DEBUG, LogLevel.INFO, LogLevel.WARN, LogLevel.ERROR];
  const enabled = (l: LogLevel) => order.indexOf(l) >= order.indexOf(level);
  const text = (msg: unknown[]) =>
    msg
      .map((m) => (typeof m === 'string' ? m : m instanceof Error ? m.message : JSON.stringify(m)))
      .join(' ')
      .replaceAll(token, '[redacted]')
      .replace(TOKEN_PATTERN, '[redacted]');
  const at =
    (l: LogLevel, write: (message: string) => void) =>
    (...msg: unknown[]) => {
      if (enabled(l)) write(`slack: ${text(msg)}`);
    };
  return {
    debug: at(LogLevel.DEBUG, (m) => logger.debug(m)),
    info: at(LogLevel.INFO, (m) => logger.info(m)),
    warn: at(LogLevel.WARN, (m) => logger.warn(m)),
    error: at(LogLevel.ERROR, (m) => logger.error(m)),
    setLevel: (l: LogLevel) => {
      level = l;
    },
    getLevel: () => level,
    setName: () => {},
  };
}

function build(s: Settings, retries: number): WebClient {
  return new WebClient(s.token, {
    slackApiUrl: s.apiUrl,
    timeout: s.timeoutMs,
    retryConfig: {
      retries,
      factor: 2,
      minTimeout: s.retryMinDelayMs,
      maxTimeout: Math.max(s.retryMinDelayMs, s.retryMaxDelayMs),
      randomize: true,
    },
    rejectRateLimitedCalls: true,
    maxRequestConcurrency: s.maxConcurrency,
    allowAbsoluteUrls: false,
    // Slack's answers are small; a body over the cap is refused rather than held in memory.
    fetch: cappedFetch(),
    ...(s.logger ? { logger: slackLogger(s.logger, s.token) } : { logLevel: LogLevel.WARN }),
  });
}

/** The WebClients for Lambda: see {@link SlackWebClientOptions} for the defaults. */
export function createSlackWebClients(options: SlackWebClientOptions): SlackWebClients {
  const settings = resolve(options);
  const calls = build(settings, settings.retries);
  return { calls, posts: settings.retries === 0 ? calls : build(settings, 0) };
}
