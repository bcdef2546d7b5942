import { describe, expect, it } from 'vitest';
import { slackSignature, verifySlackSignature } from '../../../functions/handlers/http/slack-signature.js';
import {
  apiEvent,
  call,
  makeHarness,
  NOW,
  SIGNING_SECRET,
  slackEvent,
  slackForm,
  slackSign,
} from './fixtures.js';

// Slack's published example (api.slack.com/authentication/verifying-requests-from-slack).
const EXAMPLE = {
  secret: '8f742231b10e8888abcd99yyyzzz85a5',
  timestamp: '1531420618',
  body: 'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c',
  signature: 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503',
};
const EXAMPLE_NOW = Number(EXAMPLE.timestamp) * 1000;

const verify = (overrides: Partial<Parameters<typeof verifySlackSignature>[0]> = {}) =>
  verifySlackSignature({
    signingSecret: EXAMPLE.secret,
    timestamp: EXAMPLE.timestamp,
    signature: EXAMPLE.signature,
    body: EXAMPLE.body,
    nowMs: EXAMPLE_NOW,
    ...overrides,
  });

describe('verifySlackSignature', () => {
  it("computes Slack's published example signature", () => {
    expect(slackSignature(EXAMPLE.secret, EXAMPLE.timestamp, EXAMPLE.body)).toBe(EXAMPLE.signature);
    expect(verify()).toEqual({ ok: true });
  });

  it('accepts the body as bytes as well as text', () => {
    expect(verify({ body: Buffer.from(EXAMPLE.body, 'utf8') })).toEqual({ ok: true });
  });

  it('accepts timestamps up to 5 minutes away in either direction', () => {
    expect(verify({ nowMs: EXAMPLE_NOW + 300_000 })).toEqual({ ok: true });
    expect(verify({ nowMs: EXAMPLE_NOW - 300_000 })).toEqual({ ok: true });
  });

  it('rejects stale and future timestamps, even with a valid signature', () => {
    expect(verify({ nowMs: EXAMPLE_NOW + 301_000 })).toEqual({ ok: false, reason: 'stale' });
    expect(verify({ nowMs: EXAMPLE_NOW - 301_000 })).toEqual({ ok: false, reason: 'stale' });
  });

  it('rejects a tampered body, signature, timestamp or secret', () => {
    expect(verify({ body: EXAMPLE.body.replace('text=', 'text=watch') })).toEqual({
      ok: false,
      reason: 'bad-signature',
    });
    expect(verify({ signature: EXAMPLE.signature.replace(/.$/, '0') })).toEqual({
      ok: false,
      reason: 'bad-signature',
    });
    expect(verify({ signature: EXAMPLE.signature.toUpperCase() })).toEqual({
      ok: false,
      reason: 'bad-signature',
    });
    expect(verify({ signature: 'v0=' })).toEqual({ ok: false, reason: 'bad-signature' });
    expect(verify({ timestamp: '1531420619', nowMs: EXAMPLE_NOW })).toEqual({
      ok: false,
      reason: 'bad-signature',
    });
    expect(verify({ signingSecret: `${EXAMPLE.secret}x` })).toEqual({ ok: false, reason: 'bad-signature' });
  });

  it('rejects missing headers and timestamps that are not plain seconds', () => {
    expect(verify({ signature: undefined })).toEqual({ ok: false, reason: 'missing-headers' });
    expect(verify({ timestamp: undefined })).toEqual({ ok: false, reason: 'missing-headers' });
    for (const timestamp of ['', '1531420618.0', '-1', ' 1531420618', '1e9', '0x5B47A1CA', '9'.repeat(20)]) {
      expect(verify({ timestamp })).toEqual({ ok: false, reason: 'bad-timestamp' });
    }
  });
});

describe('POST /slack/commands signature check', () => {
  it("accepts Slack's example request at its own time", async () => {
    const { handler } = makeHarness({ slackSigningSecret: () => EXAMPLE.secret, now: () => EXAMPLE_NOW });
    const answer = await call(
      handler,
      slackEvent(EXAMPLE.body, { timestamp: Number(EXAMPLE.timestamp), signature: EXAMPLE.signature }),
    );
    expect(answer.status).toBe(200);
    // Empty text is a request for help.
    expect(answer.json).toMatchObject({
      response_type: 'ephemeral',
      text: expect.stringContaining('How to use'),
    });
  });

  it('verifies base64-encoded bodies (API Gateway v2) over the decoded bytes', async () => {
    const { handler } = makeHarness({ slackSigningSecret: () => EXAMPLE.secret, now: () => EXAMPLE_NOW });
    const answer = await call(
      handler,
      slackEvent(EXAMPLE.body, {
        timestamp: Number(EXAMPLE.timestamp),
        signature: EXAMPLE.signature,
        base64: true,
      }),
    );
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({ response_type: 'ephemeral' });
  });

  it('rejects a signature computed over the base64 text instead of the bytes', async () => {
    const { handler } = makeHarness();
    const body = slackForm('list');
    const encoded = Buffer.from(body).toString('base64');
    const event = slackEvent(body, {
      base64: true,
      signature: slackSign(SIGNING_SECRET, Math.floor(NOW / 1000), encoded),
    });
    expect((await call(handler, event)).status).toBe(401);
  });

  it.each([
    ['stale', { timestamp: Math.floor(NOW / 1000) - 301 }, 'stale_request'],
    ['future', { timestamp: Math.floor(NOW / 1000) + 301 }, 'stale_request'],
    ['wrong secret', { secret: 'not-the-secret' }, 'invalid_signature'],
    ['garbage signature', { signature: 'v0=zz' }, 'invalid_signature'],
  ])('answers 401 JSON for a %s request', async (_name, options, code) => {
    const { handler, store } = makeHarness();
    const answer = await call(
      handler,
      slackEvent(slackForm('watch e700f15965694253940502911220d76b'), options),
    );
    expect(answer.status).toBe(401);
    expect(answer.json).toEqual({ error: { code, message: expect.any(String) } });
    expect(store.writes).toEqual([]);
  });

  it('answers 401 for a tampered body', async () => {
    const { handler } = makeHarness();
    const event = slackEvent(slackForm('list'));
    event.body = slackForm('watch e700f15965694253940502911220d76b');
    expect((await call(handler, event)).status).toBe(401);
  });

  it('answers 401 when the signature headers are missing', async () => {
    const { handler } = makeHarness();
    const event = apiEvent({
      method: 'POST',
      path: '/slack/commands',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: slackForm('list'),
    });
    expect(await call(handler, event)).toMatchObject({
      status: 401,
      json: { error: { code: 'invalid_signature' } },
    });
  });

  it('reads the signature headers whatever their case', async () => {
    const { handler } = makeHarness();
    const event = slackEvent(slackForm('help'));
    event.headers = Object.fromEntries(
      Object.entries(event.headers).map(([key, value]) => [
        key.replace(/(^|-)([a-z])/g, (m) => m.toUpperCase()),
        value,
      ]),
    );
    expect((await call(handler, event)).status).toBe(200);
  });

  it('is switched off (503, generic) without a signing secret', async () => {
    const { handler } = makeHarness({ slackSigningSecret: () => undefined });
    const answer = await call(handler, slackEvent(slackForm('list')));
    expect(answer.status).toBe(503);
    expect(answer.json).toEqual({ error: { code: 'slack_not_configured', message: expect.any(String) } });
  });
});
