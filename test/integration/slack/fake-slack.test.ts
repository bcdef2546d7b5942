// The fake Slack itself: wire formats, threads, history paging, timestamps, faults, bookkeeping.
import { WebClient } from '@slack/web-api';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FakeSlack } from '../../../local/fake-slack/index.js';

const C = 'C0FAKE0001';
let slack: FakeSlack;

/** A raw call, as any HTTP client would make it. */
async function raw(
  method: string,
  body: string,
  contentType: string,
  token: string | null = slack.token,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${slack.url}${method}`, {
    method: 'POST',
    headers: { 'content-type': contentType, ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body,
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

const json = (method: string, body: unknown, token?: string | null) =>
  raw(method, JSON.stringify(body), 'application/json; charset=utf-8', token);

const web = () =>
  new WebClient(slack.token, {
    slackApiUrl: slack.url,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    logLevel: undefined,
    logger: {
      debug() {},
      info() {},
      warn() {},
      error() {},
      setLevel() {},
      getLevel: () => 'error' as never,
      setName() {},
    },
  });

beforeAll(async () => {
  slack = await FakeSlack.start();
});
afterAll(async () => {
  await slack.stop();
});
beforeEach(() => slack.reset());

describe('FakeSlack wire format and auth', () => {
  it('serves @slack/web-api: urlencoded bodies with JSON fields decoded', async () => {
    expect(slack.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/$/);
    expect(slack.token).toBe('xoxb-test');
    const res = await web().chat.postMessage({
      channel: C,
      text: 'hi',
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'a & b' } }],
      metadata: { event_type: 'e', event_payload: { key: 'k', n: 1 } },
    });
    expect(res.ok).toBe(true);
    const [m] = slack.messages(C);
    expect(m).toMatchObject({
      ts: res.ts,
      text: 'hi',
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'a & b' } }],
      metadata: { event_type: 'e', event_payload: { key: 'k', n: 1 } },
      author: 'bot',
    });
    expect(slack.calls[0]).toMatchObject({ method: 'chat.postMessage', status: 200, ok: true });
  });

  it('accepts JSON bodies too', async () => {
    const { json: out } = await json('chat.postMessage', {
      channel: C,
      text: 'json',
      reply_broadcast: false,
    });
    expect(out).toMatchObject({ ok: true, channel: C });
    expect(slack.messages(C)[0]!.text).toBe('json');
  });

  it('checks the bearer token (or a token field), and never records it', async () => {
    expect((await json('auth.test', {}, null)).json).toEqual({ ok: false, error: 'not_authed' });
    expect((await json('auth.test', {}, 'xoxb-nope')).json).toEqual({ ok: false, error: 'invalid_auth' });
    const form = await raw('auth.test', `token=${slack.token}`, 'application/x-www-form-urlencoded', null);
    expect(form.json).toMatchObject({ ok: true, user_id: expect.any(String), bot_id: expect.any(String) });
    expect(JSON.stringify(slack.calls)).not.toContain(slack.token);
  });

  it('revokes and restores the token', async () => {
    slack.revokeToken();
    expect((await json('auth.test', {})).json).toEqual({ ok: false, error: 'token_revoked' });
    slack.restoreToken();
    expect((await json('auth.test', {})).json.ok).toBe(true);
  });

  it('rejects malformed fields and oversized content as Slack would', async () => {
    const form = (fields: Record<string, string>) =>
      raw(
        'chat.postMessage',
        new URLSearchParams({ channel: C, text: 't', ...fields }).toString(),
        'application/x-www-form-urlencoded',
      );
    expect((await form({ blocks: '[not json' })).json.error).toBe('invalid_blocks');
    expect((await form({ metadata: '{"event_type":1}' })).json.error).toBe('invalid_metadata_format');
    const header = [{ type: 'header', text: { type: 'plain_text', text: 'h'.repeat(151) } }];
    expect((await form({ blocks: JSON.stringify(header) })).json.error).toBe('invalid_blocks');
    const big = Array.from({ length: 5 }, () => ({
      type: 'section',
      text: { type: 'mrkdwn', text: 'x'.repeat(2900) },
    }));
    expect((await form({ blocks: JSON.stringify(big) })).json.error).toBe('msg_blocks_too_long');
    expect((await json('chat.postMessage', { channel: C })).json.error).toBe('no_text');
    expect((await json('chat.postMessage', { channel: C, text: 'x'.repeat(40_001) })).json.error).toBe(
      'msg_too_long',
    );
    expect((await json('no.such.method', {})).json.error).toBe('unknown_method');
    expect(slack.messages()).toEqual([]);
  });
});

describe('FakeSlack messages, threads and history', () => {
  it('gives unique, increasing timestamps per channel, even at the same instant', async () => {
    const frozen = await FakeSlack.start({ now: () => 1_700_000_000_000 });
    try {
      const client = new WebClient(frozen.token, { slackApiUrl: frozen.url, retryConfig: { retries: 0 } });
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          client.chat.postMessage({ channel: i % 2 ? C : 'C0OTHER01', text: `m${i}` }),
        ),
      );
      const mine = frozen.messages(C).map((m) => m.ts);
      expect(new Set(results.map((r) => `${r.channel}/${r.ts}`)).size).toBe(20);
      expect(mine).toEqual([...mine].sort((a, b) => Number(a) - Number(b)));
      expect(mine[0]).toBe('1700000000.000000');
      expect(mine[1]).toBe('1700000000.000001');
    } finally {
      await frozen.stop();
    }
  });

  it('threads replies under the parent (a reply ts counts as its thread) and knows unknown threads', async () => {
    const client = web();
    const parent = await client.chat.postMessage({ channel: C, text: 'parent' });
    const r1 = await client.chat.postMessage({ channel: C, text: 'r1', thread_ts: parent.ts! });
    const r2 = await client.chat.postMessage({
      channel: C,
      text: 'r2',
      thread_ts: r1.ts!,
      reply_broadcast: true,
    });
    expect(slack.thread(C, parent.ts!).map((m) => m.text)).toEqual(['parent', 'r1', 'r2']);
    expect(slack.messages(C).find((m) => m.ts === r2.ts)).toMatchObject({
      threadTs: parent.ts,
      broadcast: true,
    });

    const replies = await client.conversations.replies({ channel: C, ts: r1.ts! });
    expect(replies.messages?.map((m) => m.text)).toEqual(['parent', 'r1', 'r2']);
    expect(replies.messages?.[0]).toMatchObject({ reply_count: 2, thread_ts: parent.ts });

    const orphan = await json('chat.postMessage', { channel: C, text: 'x', thread_ts: '1.000001' });
    expect(orphan.json.error).toBe('thread_not_found');
    expect((await json('conversations.replies', { channel: C, ts: '1.000001' })).json.error).toBe(
      'thread_not_found',
    );
  });

  it('keeps the edit history of chat.update; omitted blocks stay, empty arrays clear', async () => {
    const client = web();
    const posted = await client.chat.postMessage({ channel: C, text: 'v1', blocks: [{ type: 'divider' }] });
    await client.chat.update({ channel: C, ts: posted.ts!, text: 'v2' });
    expect(slack.messages(C)[0]!.blocks).toEqual([{ type: 'divider' }]);
    await client.chat.update({ channel: C, ts: posted.ts!, text: 'v3', blocks: [] });
    const [m] = slack.messages(C);
    expect(m!.blocks).toEqual([]);
    expect(m!.edits.map((e) => [e.text, e.blocks])).toEqual([
      ['v2', [{ type: 'divider' }]],
      ['v3', []],
    ]);
  });

  it('pages history newest first, within oldest/latest, with metadata only when asked', async () => {
    const client = web();
    const ts: string[] = [];
    for (let i = 0; i < 7; i++) {
      const r = await client.chat.postMessage({
        channel: C,
        text: `m${i}`,
        metadata: { event_type: 'e', event_payload: { key: `k${i}` } },
      });
      ts.push(r.ts!);
      await client.chat.postMessage({ channel: C, text: `quiet ${i}`, thread_ts: r.ts! });
    }
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await client.conversations.history({
        channel: C,
        limit: 3,
        include_all_metadata: true,
        ...(cursor ? { cursor } : {}),
      });
      pages++;
      for (const m of page.messages ?? []) {
        seen.push(m.text!);
        expect(m.metadata?.event_payload).toEqual({ key: m.text!.replace('m', 'k') });
      }
      cursor = page.response_metadata?.next_cursor || undefined;
      expect(page.has_more).toBe(cursor !== undefined);
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual(['m6', 'm5', 'm4', 'm3', 'm2', 'm1', 'm0']);

    const plain = await client.conversations.history({ channel: C, limit: 1 });
    expect(plain.messages?.[0]).not.toHaveProperty('metadata');

    const after = await client.conversations.history({ channel: C, oldest: ts[4]! });
    expect(after.messages?.map((m) => m.text)).toEqual(['m6', 'm5']);
    const inclusive = await client.conversations.history({
      channel: C,
      oldest: ts[4]!,
      latest: ts[5]!,
      inclusive: true,
    });
    expect(inclusive.messages?.map((m) => m.text)).toEqual(['m5', 'm4']);
    expect((await json('conversations.history', { channel: C, cursor: 'garbage' })).json.error).toBe(
      'invalid_cursor',
    );
  });
});

describe('FakeSlack faults', () => {
  it('applies a fault only to its method and channel, as many times as asked', async () => {
    slack.inject({
      kind: 'platform-error',
      error: 'not_in_channel',
      channel: 'C0SECRET1',
      method: 'chat.postMessage',
      times: 2,
    });
    const secret = () => json('chat.postMessage', { channel: 'C0SECRET1', text: 'x' });
    expect((await json('chat.postMessage', { channel: C, text: 'x' })).json.ok).toBe(true);
    expect((await json('conversations.history', { channel: 'C0SECRET1' })).json.ok).toBe(true);
    expect((await secret()).json.error).toBe('not_in_channel');
    expect((await secret()).json.error).toBe('not_in_channel');
    expect((await secret()).json.ok).toBe(true);
    expect(slack.calls.map((c) => c.fault ?? '-')).toEqual([
      '-',
      '-',
      'platform-error',
      'platform-error',
      '-',
    ]);
  });

  it('keeps a platform error without a count until cleared', async () => {
    slack.inject({ kind: 'platform-error', error: 'is_archived' });
    for (let i = 0; i < 3; i++) expect((await json('auth.test', {})).json.error).toBe('is_archived');
    slack.clearFaults();
    expect((await json('auth.test', {})).json.ok).toBe(true);
  });

  it('answers 429 with Retry-After, and HTTP errors with an HTML body', async () => {
    slack.inject({ kind: 'rate-limit', retryAfter: 3 });
    const limited = await fetch(`${slack.url}auth.test`, { method: 'POST' });
    expect([limited.status, limited.headers.get('retry-after')]).toEqual([429, '3']);
    slack.inject({ kind: 'http-error', status: 503 });
    const down = await fetch(`${slack.url}auth.test`, { method: 'POST' });
    expect(down.status).toBe(503);
    expect(await down.text()).toContain('<html>');
    expect(slack.calls.map((c) => [c.status, c.ok, c.error])).toEqual([
      [429, false, 'ratelimited'],
      [503, false, 'http_503'],
    ]);
  });

  it('performs a lose-response call and then drops the connection', async () => {
    slack.inject({ kind: 'lose-response' });
    await expect(json('chat.postMessage', { channel: C, text: 'kept' })).rejects.toThrow();
    expect(slack.messages(C).map((m) => m.text)).toEqual(['kept']);
    expect(slack.calls[0]).toMatchObject({ fault: 'lose-response', ok: true });
  });

  it('hangs until the client gives up, and stops promptly even with a request hanging', async () => {
    const own = await FakeSlack.start();
    own.inject({ kind: 'hang', times: 2 });
    await expect(
      fetch(`${own.url}auth.test`, { method: 'POST', signal: AbortSignal.timeout(100) }),
    ).rejects.toThrow();
    const pending = fetch(`${own.url}auth.test`, { method: 'POST' }).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 50));
    const started = Date.now();
    await own.stop();
    expect(Date.now() - started).toBeLessThan(1000);
    expect(await pending).toBeInstanceOf(Error);
    expect(own.calls.map((c) => [c.status, c.fault])).toEqual([
      [0, 'hang'],
      [0, 'hang'],
    ]);
  });

  it('forgets everything on reset', async () => {
    await json('chat.postMessage', { channel: C, text: 'x' });
    slack.inject({ kind: 'platform-error', error: 'is_archived' });
    slack.revokeToken();
    slack.reset();
    expect([slack.calls.length, slack.messages().length]).toEqual([0, 0]);
    expect((await json('auth.test', {})).json.ok).toBe(true);
  });
});
