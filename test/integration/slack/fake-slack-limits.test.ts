// The fake Slack's rate limits (off by default), on its own clock, as @slack/web-api and the adapter see them.
import { ErrorCode, type WebAPIRateLimitedError, WebClient } from '@slack/web-api';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSlackWebClients, SlackAdapter } from '../../../functions/adapters/slack/index.js';
import { SlackDeliveryError } from '../../../functions/ports.js';
import { FakeSlack } from '../../../local/fake-slack/index.js';

const C1 = 'C0FAKE0001';
const C2 = 'C0FAKE0002';
const START = Date.parse('2026-12-01T10:00:00.000Z');

let slack: FakeSlack;
let now = START;
const advance = (seconds: number) => {
  now += Math.round(seconds * 1000);
};

const quiet = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  setLevel() {},
  getLevel: () => 'error' as never,
  setName() {},
};
const web = () =>
  new WebClient(slack.token, {
    slackApiUrl: slack.url,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    logger: quiet,
  });

/** 'ok', or the Retry-After of a 429. */
async function outcome(call: Promise<unknown>): Promise<'ok' | number> {
  try {
    await call;
    return 'ok';
  } catch (error) {
    const limited = error as WebAPIRateLimitedError;
    if (limited.code !== ErrorCode.RateLimitedError) throw error;
    return limited.retryAfter;
  }
}

const post = (channel = C1) => outcome(web().chat.postMessage({ channel, text: 'hi' }));
const update = (channel: string, ts: string) => outcome(web().chat.update({ channel, ts, text: 'edited' }));
const times = async <T>(n: number, call: () => Promise<T>): Promise<T[]> => {
  const results: T[] = [];
  for (let i = 0; i < n; i++) results.push(await call());
  return results;
};

beforeAll(async () => {
  slack = await FakeSlack.start({ now: () => now });
});
afterAll(async () => {
  await slack.stop();
});
beforeEach(() => {
  now = START;
  slack.setLimits(undefined);
  slack.reset();
});

describe('FakeSlack rate limits', () => {
  it('enforces none by default', async () => {
    expect(await times(20, () => post())).toEqual(Array(20).fill('ok'));
  });

  it('takes a burst of three posts in a channel, then one a second, answering 429 with Retry-After', async () => {
    slack.setLimits({ postsPerSecondPerChannel: 1 });
    expect(await times(4, () => post())).toEqual(['ok', 'ok', 'ok', 1]);
    // Per channel: another channel has its own allowance.
    expect(await post(C2)).toBe('ok');
    advance(0.5);
    expect(await post()).toBe(1);
    advance(0.5);
    expect(await times(2, () => post())).toEqual(['ok', 1]);
    expect(slack.messages(C1)).toHaveLength(4);
    const refused = slack.calls.filter((c) => c.status === 429);
    expect(refused).toHaveLength(3);
    for (const call of refused) {
      expect(call).toMatchObject({
        method: 'chat.postMessage',
        ok: false,
        error: 'ratelimited',
        fault: 'rate-limit',
      });
    }
  });

  it('limits chat.update across the workspace: a burst of three, then one every 1.2 s', async () => {
    const [a, b] = [
      await web().chat.postMessage({ channel: C1, text: 'a' }),
      await web().chat.postMessage({ channel: C2, text: 'b' }),
    ];
    slack.setLimits({ updatesPerMinute: 50 });
    expect(await update(C1, a.ts!)).toBe('ok');
    expect(await update(C2, b.ts!)).toBe('ok');
    expect(await update(C1, a.ts!)).toBe('ok');
    // 1.2 s to the next token: Retry-After rounds up to whole seconds.
    expect(await update(C2, b.ts!)).toBe(2);
    advance(1.2);
    expect([await update(C2, b.ts!), await update(C1, a.ts!)]).toEqual(['ok', 2]);
    // A quiet minute saves up a burst, not a minute's allowance.
    advance(60);
    expect(await times(4, () => update(C1, a.ts!))).toEqual(['ok', 'ok', 'ok', 2]);
    // Posts are not counted against updates.
    expect(await post()).toBe('ok');
  });

  it('accepts the burst plus the rate from calls every 100 ms for a minute, and refuses the rest', async () => {
    const { ts } = await web().chat.postMessage({ channel: C1, text: 'a' });
    slack.setLimits({ updatesPerMinute: 50 });
    let accepted = 0;
    // From 0 s to 60 s inclusive: the 3 saved up, then 50 refilled at one every 1.2 s.
    for (let i = 0; i <= 600; i++) {
      if ((await update(C1, ts!)) === 'ok') accepted++;
      advance(0.1);
    }
    expect(accepted).toBe(3 + 50);
    expect(slack.messages(C1)[0]!.edits).toHaveLength(accepted);
  });

  it('lets a call through once its Retry-After has passed', async () => {
    slack.setLimits({ postsPerSecondPerChannel: 0.25 });
    // 0.25 a second saves up 0.75 calls: rounded up to a burst of one.
    expect(await times(2, () => post())).toEqual(['ok', 4]);
    advance(3);
    expect(await post()).toBe(1);
    advance(1);
    expect(await post()).toBe('ok');
  });

  it('does not count calls refused before they reach the method', async () => {
    slack.setLimits({ postsPerSecondPerChannel: 1 });
    slack.revokeToken();
    await times(5, () => post().catch(() => 'refused'));
    slack.restoreToken();
    expect(await times(3, () => post())).toEqual(['ok', 'ok', 'ok']);
  });

  it('starts over on reset(), and lifts the limits on setLimits(undefined)', async () => {
    slack.setLimits({ postsPerSecondPerChannel: 1 });
    expect(await times(4, () => post())).toEqual(['ok', 'ok', 'ok', 1]);
    slack.reset();
    expect(await times(3, () => post())).toEqual(['ok', 'ok', 'ok']);
    slack.setLimits(undefined);
    expect(await times(5, () => post())).toEqual(Array(5).fill('ok'));
  });

  it('reaches the adapter as rate-limited with the Retry-After', async () => {
    slack.setLimits({ updatesPerMinute: 50 });
    const adapter = new SlackAdapter(
      createSlackWebClients({ token: slack.token, apiUrl: slack.url, retries: 0 }),
    );
    const ref = await adapter.post({ channel: C1 }, { text: 'living' });
    for (let i = 0; i < 3; i++) await adapter.update(ref, { text: `edit ${i}` });
    const error = await adapter.update(ref, { text: 'one too many' }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SlackDeliveryError);
    expect(error).toMatchObject({ kind: 'rate-limited', retryAfterSeconds: 2 });
    expect(slack.messages(C1)[0]!.text).toBe('edit 2');
  });

  it('refuses limits that are not positive numbers, starting nothing', async () => {
    await expect(FakeSlack.start({ limits: { updatesPerMinute: 0 } })).rejects.toThrow(
      'FakeSlack limits: updatesPerMinute must be a positive number (got 0)',
    );
    expect(() => slack.setLimits({ postsPerSecondPerChannel: Number.NaN })).toThrow(
      /postsPerSecondPerChannel/,
    );
  });
});
