// local → Slack's rate limits for the fake, on the fake's clock: chat.postMessage per channel and chat.update
// per workspace, each a token bucket.
//
// The exact rule: each limited key (a channel for chat.postMessage, the whole workspace for chat.update) has a
// bucket that holds at most `burstSeconds` (default BURST_SECONDS) worth of its rate, rounded up, and never less
// than one call. It starts full and
// refills continuously at the rate. A call takes one token; a call that finds less than one token is refused
// with HTTP 429 and `Retry-After: n`, n being the whole seconds until a token is back (at least 1), and takes
// nothing. So with 1 post a second a channel takes a burst of 3 posts, then one a second; with 50 updates a
// minute the workspace takes 3 updates at once, then one every 1.2 s. Slack documents its limits as
// approximate, "with bursts tolerated"; the fake is exact so that tests can reason about it.

export interface FakeSlackLimits {
  /** chat.postMessage calls a second in one channel (Slack: about 1). */
  postsPerSecondPerChannel?: number;
  /** chat.update calls a minute across the workspace (Slack's Tier 3: about 50). */
  updatesPerMinute?: number;
  /**
   * How many seconds of its rate a bucket saves up for a burst; default BURST_SECONDS. A test whose clock stands
   * still while it works (a manual clock) sets the time between its steps here, so a step may spend what a
   * steadily ticking clock would have refilled meanwhile.
   */
  burstSeconds?: number;
}

/** How many seconds of its rate a bucket can save up for a burst. */
export const BURST_SECONDS = 3;

const TOKEN_EPSILON = 1e-9;

interface Bucket {
  tokens: number;
  atMs: number;
}

interface Rule {
  perSecond: number;
  capacity: number;
}

const rule = (
  name: string,
  calls: number | undefined,
  perSeconds: number,
  burstSeconds: number,
): Rule | null => {
  if (calls === undefined) return null;
  if (!Number.isFinite(calls) || calls <= 0) {
    throw new RangeError(`FakeSlack limits: ${name} must be a positive number (got ${calls})`);
  }
  // Multiplied before dividing, so 50 a minute saves up exactly 2.5 (rounded up to 3), not 2.4999….
  return {
    perSecond: calls / perSeconds,
    capacity: Math.max(1, Math.ceil((calls * burstSeconds) / perSeconds)),
  };
};

export class SlackRateLimits {
  readonly #posts: Rule | null;
  readonly #updates: Rule | null;
  readonly #buckets = new Map<string, Bucket>();

  /** Throws a RangeError for a limit that is not a positive number. */
  constructor(limits: FakeSlackLimits) {
    const burst = limits.burstSeconds ?? BURST_SECONDS;
    if (!Number.isFinite(burst) || burst <= 0) {
      throw new RangeError(`FakeSlack limits: burstSeconds must be a positive number (got ${burst})`);
    }
    this.#posts = rule('postsPerSecondPerChannel', limits.postsPerSecondPerChannel, 1, burst);
    this.#updates = rule('updatesPerMinute', limits.updatesPerMinute, 60, burst);
  }

  /**
   * Counts a call made at `nowMs`. Resolves null when it is within the limits (and takes its token), or the
   * whole seconds to wait (≥ 1) when it is refused.
   */
  take(method: string, channel: string | undefined, nowMs: number): number | null {
    if (method === 'chat.postMessage' && this.#posts)
      return this.#take(`post:${channel ?? ''}`, this.#posts, nowMs);
    if (method === 'chat.update' && this.#updates) return this.#take('update', this.#updates, nowMs);
    return null;
  }

  /** Forgets what every bucket has spent. */
  reset(): void {
    this.#buckets.clear();
  }

  #take(key: string, limit: Rule, nowMs: number): number | null {
    const previous = this.#buckets.get(key) ?? { tokens: limit.capacity, atMs: nowMs };
    // A clock set back (a test's manual clock) refills nothing rather than draining the bucket.
    const elapsedSeconds = Math.max(0, nowMs - previous.atMs) / 1000;
    const tokens = Math.min(limit.capacity, previous.tokens + elapsedSeconds * limit.perSecond);
    // Within a hair of a whole token counts as one: refills in floating point land just short of it.
    if (tokens >= 1 - TOKEN_EPSILON) {
      this.#buckets.set(key, { tokens: tokens - 1, atMs: Math.max(nowMs, previous.atMs) });
      return null;
    }
    this.#buckets.set(key, { tokens, atMs: Math.max(nowMs, previous.atMs) });
    return Math.max(1, Math.ceil((1 - TOKEN_EPSILON - tokens) / limit.perSecond));
  }
}
