// The Slack adapter against the fake Slack over real HTTP, through the real @slack/web-api WebClient.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  createSlackWebClients,
  SlackAdapter,
  type SlackWebClientOptions,
} from '../../../functions/adapters/slack/index.js';
import { type Logger, SlackDeliveryError, type SlackErrorKind } from '../../../functions/ports.js';
import { FakeSlack } from '../../../local/fake-slack/index.js';

const C = 'C0DEPLOYS1';
const TOKEN = 'xoxb-1234-5678-secretsecret';

let slack: FakeSlack;
const logged: string[] = [];
const logger: Logger = {
  debug: (m) => logged.push(m),
  info: (m) => logged.push(m),
  warn: (m) => logged.push(m),
  error: (m) => logged.push(m),
};

/** Fast settings for tests: short timeout and backoff. */
const adapter = (over: Partial<SlackWebClientOptions> = {}) =>
  new SlackAdapter(
    createSlackWebClients({
      token: TOKEN,
      apiUrl: slack.url,
      timeoutMs: 300,
      retries: 2,
      retryMinDelayMs: 10,
      retryMaxDelayMs: 20,
      logger,
      ...over,
    }),
  );

async function failure(promise: Promise<unknown>): Promise<SlackDeliveryError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(SlackDeliveryError);
    return error as SlackDeliveryError;
  }
  throw new Error('expected the call to fail');
}

const message = (text: string) => ({
  text,
  blocks: [{ type: 'section', text: { type: 'mrkdwn', text: `*${text}*` } }],
});

beforeAll(async () => {
  slack = await FakeSlack.start({ token: TOKEN });
});
afterAll(async () => {
  await slack.stop();
});
beforeEach(() => {
  slack.reset();
  logged.length = 0;
});

describe('SlackAdapter.post / update', () => {
  it('posts a message with metadata and link previews off', async () => {
    const ref = await adapter().post(
      { channel: C, metadata: { eventType: 'codearts_living', payload: { key: 't/r1', toSeq: 3 } } },
      { text: 'hello', attachments: [{ color: 'good', blocks: [{ type: 'divider' }] }] },
    );
    const [stored] = slack.messages(C);
    expect(stored).toMatchObject({
      ts: ref.ts,
      channel: C,
      threadTs: null,
      text: 'hello',
      attachments: [{ color: 'good', blocks: [{ type: 'divider' }] }],
      metadata: { event_type: 'codearts_living', event_payload: { key: 't/r1', toSeq: 3 } },
      broadcast: false,
    });
    expect(ref.channel).toBe(C);
    expect(slack.calls[0]!.args).toMatchObject({ unfurl_links: false, unfurl_media: false });
  });

  it('replies in a thread, broadcasting only when asked', async () => {
    const a = adapter();
    const parent = await a.post({ channel: C }, message('parent'));
    const quiet = await a.post({ channel: C, threadTs: parent.ts }, message('quiet'));
    const loud = await a.post({ channel: C, threadTs: parent.ts, broadcast: true }, message('loud'));
    const thread = slack.thread(C, parent.ts);
    expect(thread.map((m) => [m.ts, m.threadTs, m.broadcast])).toEqual([
      [parent.ts, null, false],
      [quiet.ts, parent.ts, false],
      [loud.ts, parent.ts, true],
    ]);
    expect(slack.calls[1]!.args).not.toHaveProperty('reply_broadcast');
  });

  it('updates in place, replacing text, blocks and attachments entirely', async () => {
    const a = adapter();
    const ref = await a.post({ channel: C }, { text: 'v1', attachments: [{ color: 'warning', blocks: [] }] });
    await a.update(ref, message('v2'));
    await a.update(ref, { text: 'v3' });
    const [stored] = slack.messages(C);
    expect(stored!.text).toBe('v3');
    expect(stored!.blocks).toEqual([]);
    expect(stored!.attachments).toEqual([]);
    expect(stored!.edits.map((e) => [e.text, e.blocks?.length, e.attachments?.length])).toEqual([
      ['v2', 1, 0],
      ['v3', 0, 0],
    ]);
    expect(slack.messages(C)).toHaveLength(1);
  });
});

describe('SlackAdapter.findByMetadata', () => {
  it('finds a channel message by key among many, across pages, ignoring messages without metadata', async () => {
    const a = new SlackAdapter(createSlackWebClients({ token: TOKEN, apiUrl: slack.url, logger }), {
      lookupPageSize: 3,
      maxLookupPages: 10,
    });
    const target = await a.post(
      { channel: C, metadata: { eventType: 'codearts_change', payload: { key: 'k-old', toSeq: 7 } } },
      message('target'),
    );
    for (let i = 0; i < 8; i++) {
      await a.post(
        { channel: C, metadata: { eventType: 'codearts_change', payload: { key: `k${i}` } } },
        message(`m${i}`),
      );
      slack.seedMessage(C, { text: `someone ${i}` });
    }
    const found = await a.findByMetadata({ channel: C, eventType: 'codearts_change', key: 'k-old' });
    expect(found).toEqual({ channel: C, ts: target.ts, payload: { key: 'k-old', toSeq: 7 } });
    const pages = slack.calls.filter((c) => c.method === 'conversations.history');
    expect(pages.length).toBeGreaterThan(1);
    expect(pages.every((c) => c.args.include_all_metadata === true && c.args.limit === 3)).toBe(true);
  });

  it('returns null for an unknown key or another event type, within its page bound', async () => {
    const a = new SlackAdapter(createSlackWebClients({ token: TOKEN, apiUrl: slack.url, logger }), {
      lookupPageSize: 2,
      maxLookupPages: 3,
    });
    for (let i = 0; i < 20; i++) {
      await a.post(
        { channel: C, metadata: { eventType: 'codearts_change', payload: { key: `k${i}` } } },
        message(`m${i}`),
      );
    }
    expect(await a.findByMetadata({ channel: C, eventType: 'codearts_change', key: 'nope' })).toBeNull();
    expect(await a.findByMetadata({ channel: C, eventType: 'other_type', key: 'k19' })).toBeNull();
    expect(slack.calls.filter((c) => c.method === 'conversations.history')).toHaveLength(3 + 3);
    // Beyond the bound: the oldest message is not reached.
    expect(await a.findByMetadata({ channel: C, eventType: 'codearts_change', key: 'k0' })).toBeNull();
  });

  it('honours oldest', async () => {
    const a = adapter();
    const first = await a.post(
      { channel: C, metadata: { eventType: 'e', payload: { key: 'k' } } },
      message('1'),
    );
    expect(await a.findByMetadata({ channel: C, eventType: 'e', key: 'k', oldest: first.ts })).toBeNull();
    expect(
      await a.findByMetadata({ channel: C, eventType: 'e', key: 'k', oldest: String(Number(first.ts) - 1) }),
    ).toMatchObject({ ts: first.ts });
    expect(slack.calls.at(-1)!.args.oldest).toBeDefined();
  });

  it('looks inside a thread and returns the newest match there', async () => {
    const a = adapter();
    const parent = await a.post({ channel: C }, message('parent'));
    await a.post(
      { channel: C, threadTs: parent.ts, metadata: { eventType: 'e', payload: { key: 'x', n: 1 } } },
      message('r1'),
    );
    const second = await a.post(
      { channel: C, threadTs: parent.ts, metadata: { eventType: 'e', payload: { key: 'x', n: 2 } } },
      message('r2'),
    );
    const found = await a.findByMetadata({ channel: C, threadTs: parent.ts, eventType: 'e', key: 'x' });
    expect(found).toEqual({ channel: C, ts: second.ts, payload: { key: 'x', n: 2 } });
    expect(slack.calls.at(-1)!.method).toBe('conversations.replies');
    // A quiet reply is not in the channel history.
    expect(await a.findByMetadata({ channel: C, eventType: 'e', key: 'x' })).toBeNull();
  });
});

describe('SlackAdapter errors', () => {
  const cases: Array<[string, SlackErrorKind]> = [
    ['channel_not_found', 'subscription'],
    ['not_in_channel', 'subscription'],
    ['is_archived', 'subscription'],
    ['missing_scope', 'subscription'],
    ['restricted_action', 'subscription'],
    ['invalid_auth', 'token'],
    ['not_authed', 'token'],
    ['token_revoked', 'token'],
    ['account_inactive', 'token'],
    ['token_expired', 'token'],
    ['msg_too_long', 'payload'],
    ['msg_blocks_too_long', 'payload'],
    ['invalid_blocks', 'payload'],
    ['invalid_attachments', 'payload'],
    ['message_not_found', 'message-gone'],
    ['cant_update_message', 'message-gone'],
    ['edit_window_closed', 'message-gone'],
    ['ratelimited', 'rate-limited'],
    ['something_new_and_odd', 'transient'],
  ];

  it.each(cases)('platform error %s → %s, after a single attempt', async (code, kind) => {
    slack.inject({ kind: 'platform-error', error: code, method: 'chat.postMessage' });
    const error = await failure(adapter().post({ channel: C }, message('x')));
    expect([error.kind, error.code]).toEqual([kind, code]);
    expect(slack.calls).toHaveLength(1);
  });

  it('scopes a platform error to its channel and keeps it until cleared', async () => {
    slack.inject({ kind: 'platform-error', error: 'is_archived', channel: 'C0ARCHIVED' });
    const a = adapter();
    expect((await failure(a.post({ channel: 'C0ARCHIVED' }, message('x')))).kind).toBe('subscription');
    expect((await failure(a.post({ channel: 'C0ARCHIVED' }, message('x')))).kind).toBe('subscription');
    await expect(a.post({ channel: C }, message('fine'))).resolves.toMatchObject({ channel: C });
    slack.clearFaults();
    await expect(a.post({ channel: 'C0ARCHIVED' }, message('x'))).resolves.toMatchObject({
      channel: 'C0ARCHIVED',
    });
  });

  it('maps real token failures: a wrong token, then a revoked and restored one', async () => {
    const wrong = await failure(adapter({ token: 'xoxb-wrong' }).post({ channel: C }, message('x')));
    expect([wrong.kind, wrong.code]).toEqual(['token', 'invalid_auth']);
    slack.revokeToken();
    const revoked = await failure(adapter().update({ channel: C, ts: '1.000001' }, message('x')));
    expect([revoked.kind, revoked.code]).toEqual(['token', 'token_revoked']);
    slack.restoreToken();
    await expect(adapter().post({ channel: C }, message('x'))).resolves.toBeDefined();
  });

  it('maps real edit failures: a message that is gone, or not ours', async () => {
    const a = adapter();
    const gone = await failure(a.update({ channel: C, ts: '1700000000.000001' }, message('x')));
    expect([gone.kind, gone.code]).toEqual(['message-gone', 'message_not_found']);
    const theirs = slack.seedMessage(C, { text: 'a human wrote this' });
    const notOurs = await failure(a.update({ channel: C, ts: theirs }, message('x')));
    expect([notOurs.kind, notOurs.code]).toEqual(['message-gone', 'cant_update_message']);
  });

  it('maps a payload Slack refuses for its size', async () => {
    const blocks = Array.from({ length: 51 }, () => ({ type: 'divider' }));
    const error = await failure(adapter().post({ channel: C }, { text: 'x', blocks }));
    expect([error.kind, error.code]).toEqual(['payload', 'invalid_blocks']);
    expect(slack.messages(C)).toEqual([]);
  });

  it('reports 429 as rate-limited with Retry-After, at once and without retrying', async () => {
    slack.inject({ kind: 'rate-limit', retryAfter: 30, times: 5 });
    const started = Date.now();
    const error = await failure(adapter().post({ channel: C }, message('x')));
    expect(Date.now() - started).toBeLessThan(1000);
    expect([error.kind, error.retryAfterSeconds]).toEqual(['rate-limited', 30]);
    expect(slack.calls).toHaveLength(1);
    const onUpdate = await failure(adapter().update({ channel: C, ts: '1.000001' }, message('x')));
    expect([onUpdate.kind, onUpdate.retryAfterSeconds]).toEqual(['rate-limited', 30]);
    expect(slack.calls).toHaveLength(2);
  });

  it('reports a 429 without a usable Retry-After as rate-limited too', async () => {
    slack.inject({ kind: 'rate-limit' });
    const error = await failure(adapter().post({ channel: C }, message('x')));
    expect(error.kind).toBe('rate-limited');
    expect(error.retryAfterSeconds).toBeUndefined();
  });

  it('retries a 5xx storm the configured number of times, then gives up as transient', async () => {
    slack.inject({ kind: 'http-error', status: 503, times: 100 });
    const error = await failure(adapter({ retries: 2 }).update({ channel: C, ts: '1.000001' }, message('x')));
    expect([error.kind, error.code]).toEqual(['transient', 'http_503']);
    expect(slack.calls.filter((c) => c.method === 'chat.update')).toHaveLength(3);

    slack.reset();
    slack.inject({ kind: 'http-error', status: 500, times: 100 });
    await failure(adapter({ retries: 1 }).findByMetadata({ channel: C, eventType: 'e', key: 'k' }));
    expect(slack.calls).toHaveLength(2);
  });

  it('rides out a short 5xx burst on idempotent calls', async () => {
    const a = adapter({ retries: 2 });
    const ref = await a.post({ channel: C }, message('v1'));
    slack.inject({ kind: 'http-error', status: 502, times: 2 });
    await a.update(ref, message('v2'));
    expect(slack.messages(C)[0]!.text).toBe('v2');
    expect(slack.calls.filter((c) => c.method === 'chat.update').map((c) => c.status)).toEqual([
      502, 502, 200,
    ]);
  });

  it('never retries a post by itself: one attempt, so a lost answer cannot become two messages', async () => {
    slack.inject({ kind: 'http-error', status: 503, times: 100 });
    const error = await failure(adapter({ retries: 2 }).post({ channel: C }, message('x')));
    expect([error.kind, error.code]).toEqual(['transient', 'http_503']);
    expect(slack.calls).toHaveLength(1);
  });

  it.each([
    ['declared up front', true],
    ['chunked', false],
  ])('refuses a 150 MiB answer (%s) as transient without reading it', async (_how, declareLength) => {
    slack.inject({ kind: 'flood', bytes: 150 * 1024 * 1024, declareLength });
    const error = await failure(adapter({ retries: 0 }).post({ channel: C }, message('x')));
    expect(error.kind).toBe('transient');
    const call = slack.calls.at(-1);
    // The fake counts what it wrote once the client hung up; socket buffers hold a few MB at most.
    for (let i = 0; i < 500 && call?.bytesSent === undefined; i++)
      await new Promise((r) => setTimeout(r, 10));
    expect(call?.bytesSent).toBeLessThan(16 * 1024 * 1024);
  });

  it('gives up on a hung request after the timeout, as transient', async () => {
    slack.inject({ kind: 'hang', times: 2 });
    const started = Date.now();
    const error = await failure(
      adapter({ timeoutMs: 150, retries: 1 }).update({ channel: C, ts: '1.000001' }, message('x')),
    );
    const took = Date.now() - started;
    expect([error.kind, error.code]).toEqual(['transient', 'timeout']);
    expect(slack.calls.map((c) => c.fault)).toEqual(['hang', 'hang']);
    expect(took).toBeGreaterThanOrEqual(290);
    expect(took).toBeLessThan(3000);
  });

  it('leaves a lost answer findable: the message exists once and findByMetadata finds it', async () => {
    const a = adapter();
    const parent = await a.post({ channel: C }, message('parent'));
    slack.inject({ kind: 'lose-response', method: 'chat.postMessage' });
    const target = {
      channel: C,
      threadTs: parent.ts,
      broadcast: true,
      metadata: { eventType: 'codearts_change', payload: { key: 't/r/5', toSeq: 5 } },
    };
    const error = await failure(a.post(target, message('lost answer')));
    expect(error.kind).toBe('transient');
    const stored = slack.messages(C).filter((m) => m.text === 'lost answer');
    expect(stored).toHaveLength(1);
    const found = await a.findByMetadata({
      channel: C,
      threadTs: parent.ts,
      eventType: 'codearts_change',
      key: 't/r/5',
    });
    expect(found).toEqual({ channel: C, ts: stored[0]!.ts, payload: { key: 't/r/5', toSeq: 5 } });
    // Broadcast, so the channel search finds it too.
    expect(await a.findByMetadata({ channel: C, eventType: 'codearts_change', key: 't/r/5' })).toMatchObject({
      ts: stored[0]!.ts,
    });
  });

  it('never lets the token reach logs or errors', async () => {
    slack.inject({ kind: 'http-error', status: 503, times: 3 });
    const error = await failure(adapter({ retries: 2 }).update({ channel: C, ts: '1.000001' }, message('x')));
    slack.inject({ kind: 'hang' });
    const timeout = await failure(adapter({ retries: 0, timeoutMs: 100 }).post({ channel: C }, message('x')));
    const wrong = await failure(adapter({ token: 'xoxb-other-secret' }).post({ channel: C }, message('x')));
    const everything = JSON.stringify({
      logged,
      errors: [error, timeout, wrong].map((e) => [e.message, e.code, e.stack]),
    });
    expect(logged.length).toBeGreaterThan(0);
    expect(everything).not.toContain('secretsecret');
    expect(everything).not.toContain('other-secret');
    expect(everything).not.toMatch(/xox[a-z]-/);
  });
});

describe('createSlackWebClients', () => {
  it('refuses a missing token and a non-http URL', () => {
    expect(() => createSlackWebClients({ token: '' })).toThrow(/token/);
    expect(() => createSlackWebClients({ token: TOKEN, apiUrl: 'ftp://x' })).toThrow(/http/);
  });

  it('defaults to the public Slack API and adds the trailing slash to an override', () => {
    expect(createSlackWebClients({ token: TOKEN }).calls.slackApiUrl).toBe('https://slack.com/api/');
    expect(createSlackWebClients({ token: TOKEN, apiUrl: 'http://127.0.0.1:9/api' }).calls.slackApiUrl).toBe(
      'http://127.0.0.1:9/api/',
    );
  });

  it('never sends a call to an absolute URL given as a method name', async () => {
    // With no retries the two clients are one.
    const { calls: client } = createSlackWebClients({ token: TOKEN, apiUrl: slack.url, retries: 0, logger });
    const error = await client.apiCall('http://203.0.113.1/steal', { channel: C }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    // It went to the configured API URL (where it is not a method), not to the absolute one.
    expect(slack.calls.map((c) => [c.method, c.status])).toEqual([
      ['POST /api/http://203.0.113.1/steal', 404],
    ]);
  });
});

describe('chat.getPermalink', () => {
  it('gives the link Slack gives for a message, and message-gone for one that is not there', async () => {
    const slackPort = adapter();
    const ref = await slackPort.post({ channel: C }, message('hello'));
    expect(await slackPort.getPermalink(ref)).toBe(FakeSlack.permalinkOf(C, ref.ts));
    expect(slack.calls.at(-1)).toMatchObject({
      method: 'chat.getPermalink',
      args: { channel: C, message_ts: ref.ts },
    });
    const gone = await failure(slackPort.getPermalink({ channel: C, ts: '1.000001' }));
    expect(gone.kind).toBe('message-gone');
  });
});
