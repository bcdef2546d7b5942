// Property-based: thousands of bad requests, none of which may get a 5xx or change the store.
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { TASK_A, TASK_UNKNOWN } from '../../support/fakes/codearts.js';
import {
  type Answer,
  API_KEY,
  apiEvent,
  call,
  type Harness,
  makeHarness,
  NOW,
  postTask,
  SIGNING_SECRET,
  slackEvent,
  slackSign,
} from './fixtures.js';

const CHANNEL = 'C0123ABCD9';
const RUNS = 1500;
const VALID = { task_id: TASK_UNKNOWN, channel: 'C0999ABCD9' };
const FIELDS = ['task_id', 'channel', 'region', 'notify', 'mode', 'mentions'];

// Independent of the code under test: what a good value of each field looks like.
const isGood: Record<string, (value: unknown) => boolean> = {
  task_id: (v) => typeof v === 'string' && /^[0-9a-f]{32}$/i.test(v),
  channel: (v) =>
    typeof v === 'string' && (/^[CGD][A-Z0-9]{8,20}$/.test(v) || /^#[a-z0-9][a-z0-9_-]{0,79}$/i.test(v)),
  region: (v) => typeof v === 'string' && /^[a-z]{2}(-[a-z]+)+-\d{1,3}$/.test(v),
  notify: (v) => v === 'all' || v === 'failures' || v === 'status',
  mode: (v) => v === 'thread' || v === 'messages',
  mentions: (v) =>
    Array.isArray(v) &&
    v.length <= 20 &&
    v.every((m) => typeof m === 'string' && /^[UW][A-Z0-9]{8,20}$/.test(m)),
};

const nonString = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), { maxKeys: 2 }),
);
const oddStrings = fc.oneof(
  fc.string({ maxLength: 80 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.stringMatching(/^[0-9a-f]{30,34}$/),
  fc.stringMatching(/^[CGDUW#][A-Za-z0-9 _#-]{0,25}$/),
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    'ALL',
    'Thread',
    'cn-north-4 ',
    '../../etc',
    '%00',
    '\u202e',
    'e700f15965694253940502911220d76g',
  ),
);
const badValue = (field: string) =>
  fc.oneof(nonString, oddStrings).filter((value) => !isGood[field]?.(value));
const badMentions = fc.oneof(
  badValue('mentions'),
  fc.array(fc.stringMatching(/^U[A-Z0-9]{8}$/), { minLength: 21, maxLength: 30 }),
  fc
    .tuple(fc.array(fc.constant('U0123ABCD9'), { maxLength: 3 }), badValue('task_id'))
    .map(([good, bad]) => [...good, bad]),
);

const badBodies: fc.Arbitrary<string> = fc.oneof(
  // One field wrong.
  fc
    .constantFrom(...FIELDS)
    .chain((field) =>
      (field === 'mentions' ? badMentions : badValue(field)).map((value) =>
        JSON.stringify({ ...VALID, [field]: value }),
      ),
    ),
  // A required field missing.
  fc.constantFrom('task_id', 'channel').map((field) => {
    const { [field as 'task_id']: _gone, ...rest } = VALID;
    return JSON.stringify(rest);
  }),
  // Unknown fields.
  fc
    .tuple(
      fc.string({ minLength: 1, maxLength: 20 }).filter((key) => !FIELDS.includes(key)),
      fc.jsonValue(),
    )
    .map(([key, value]) => JSON.stringify({ ...VALID, [key]: value })),
  fc.constant(`{"task_id":"${TASK_UNKNOWN}","channel":"C0999ABCD9","__proto__":{"isAdmin":true}}`),
  // Not an object.
  fc
    .jsonValue()
    .filter((v) => v === null || typeof v !== 'object' || Array.isArray(v))
    .map((v) => JSON.stringify(v)),
  // Not JSON.
  fc.string({ maxLength: 200 }).filter((text) => {
    try {
      JSON.parse(text);
      return false;
    } catch {
      return true;
    }
  }),
  fc.constant(`\uFEFF${JSON.stringify(VALID)}`),
  // Oversize, otherwise fine.
  fc
    .integer({ min: 16 * 1024, max: 64 * 1024 })
    .map((n) => JSON.stringify({ ...VALID, region: 'x'.repeat(n) })),
  // Valid in shape, but CodeArts does not know the task.
  fc
    .stringMatching(/^[0-9a-f]{32}$/)
    .filter((id) => id !== TASK_A)
    .map((id) => JSON.stringify({ task_id: id, channel: CHANNEL })),
);

const badPostTask: fc.Arbitrary<APIGatewayProxyEventV2> = fc.oneof(
  { weight: 6, arbitrary: badBodies.map((body) => postTask(body)) },
  // Bad or missing auth on a good body.
  {
    weight: 2,
    arbitrary: fc
      .oneof(
        fc.constant(undefined),
        fc.string({ maxLength: 60 }),
        fc.string({ maxLength: 40 }).map((key) => `Bearer ${key}`),
        fc.constantFrom(
          `Basic ${API_KEY}`,
          `Bearer ${API_KEY}x`,
          `Bearer ${API_KEY.toUpperCase()}`,
          `Bearer\t`,
          API_KEY,
        ),
      )
      .filter((header) => header !== `Bearer ${API_KEY}`)
      .map((header) => {
        const event = postTask(VALID);
        if (header === undefined) delete event.headers.authorization;
        else event.headers.authorization = header;
        return event;
      }),
  },
  // Other media types.
  {
    weight: 1,
    arbitrary: fc
      .oneof(
        fc.string({ maxLength: 60 }),
        fc.constantFrom(
          'text/plain',
          'application/xml',
          'multipart/form-data',
          'application/json; charset=utf-16',
          'json',
        ),
      )
      .filter((type) => !/^\s*application\/json\s*(;\s*charset\s*=\s*"?(utf-?8|us-ascii)"?\s*)?$/i.test(type))
      .map((type) => postTask(VALID, { 'content-type': type })),
  },
  // Odd encodings: invalid UTF-8, UTF-16, base64 that is not what it claims.
  {
    weight: 1,
    arbitrary: fc
      .oneof(
        fc
          .uint8Array({ minLength: 1, maxLength: 8 })
          .map((bytes) =>
            Buffer.concat([
              Buffer.from('{"task_id":"'),
              Buffer.from(bytes),
              Buffer.from([0xff]),
              Buffer.from('"}'),
            ]),
          ),
        fc.constant(Buffer.from(JSON.stringify(VALID), 'utf16le')),
      )
      .map((bytes) => {
        const event = postTask('');
        event.body = bytes.toString('base64');
        event.isBase64Encoded = true;
        return event;
      }),
  },
);

const expectClientError = (answer: Answer): void => {
  if (answer.status < 400 || answer.status > 499) {
    throw new Error(`expected a 4xx, got ${answer.status}: ${answer.text.slice(0, 300)}`);
  }
  expect(answer.headers['content-type']).toMatch(/^application\/json/);
  expect(answer.json).toEqual({ error: { code: expect.any(String), message: expect.any(String) } });
  const { error } = answer.json as { error: { code: string; message: string } };
  expect(error.code.length).toBeGreaterThan(0);
  expect(error.message.length).toBeGreaterThan(0);
};

const seeded = async (): Promise<Harness> => {
  const harness = makeHarness();
  // Something to lose: the store must come out exactly as it went in.
  const answer = await call(
    harness.handler,
    postTask({ task_id: TASK_A, channel: CHANNEL, mentions: ['U0123ABCD9'] }),
  );
  expect(answer.status).toBe(201);
  return harness;
};

describe('POST /tasks under fire', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await seeded();
  });

  it(`answers ${RUNS} generated bad requests with 4xx JSON errors and changes nothing`, async () => {
    const before = harness.store.dump();
    const writes = harness.store.writes.length;
    let count = 0;
    await fc.assert(
      fc.asyncProperty(badPostTask, async (event) => {
        count++;
        // The handler rewrites the event in place; shrinking replays values, so each call gets a copy.
        expectClientError(await call(harness.handler, structuredClone(event)));
        expect(harness.store.writes.length).toBe(writes);
      }),
      { numRuns: RUNS },
    );
    expect(count).toBeGreaterThanOrEqual(1000);
    expect(harness.store.dump()).toEqual(before);
  });
});

// ─── Slash command ───────────────────────────────────────────────────────────────────────────────

const SUB = ['watch', 'unwatch', 'list', 'status', 'help'];
const word = fc.string({ minLength: 1, maxLength: 12 }).filter((w) => !/\s/.test(w));
const badId = fc
  .oneof(word, fc.stringMatching(/^[0-9a-f]{31}$/), fc.stringMatching(/^[0-9a-z]{32}$/))
  .filter((token) => !/^[`'"“‘]*[0-9a-fA-F]{32}[`'"”’]*$/.test(token));
const goodId = fc.stringMatching(/^[0-9a-f]{32}$/);

/** Command texts that must get usage help, never an action. */
const badText: fc.Arbitrary<string> = fc.oneof(
  word.filter((w) => !SUB.includes(w.toLowerCase())).map((w) => w),
  fc
    .tuple(
      word.filter((w) => !SUB.includes(w.toLowerCase())),
      fc.string({ maxLength: 40 }),
    )
    .map(([w, rest]) => `${w} ${rest}`),
  fc
    .tuple(fc.constantFrom('watch', 'unwatch', 'status', 'WATCH', 'Status'), badId)
    .map(([c, id]) => `${c} ${id}`),
  fc.constantFrom('watch', 'unwatch', 'status', 'watch   ', '\tstatus'),
  fc
    .tuple(
      goodId,
      word.filter((w) => !['all', 'failures', 'status'].includes(w.toLowerCase())),
    )
    .map(([id, level]) => `watch ${id} ${level}`),
  fc.tuple(goodId, word, word).map(([id, a, b]) => `watch ${id} ${a} ${b}`),
  fc.tuple(fc.constantFrom('unwatch', 'status'), goodId, word).map(([c, id, extra]) => `${c} ${id} ${extra}`),
  word.map((w) => `list ${w}`),
);

const nowSeconds = Math.floor(NOW / 1000);
const form = (fields: Record<string, string>): string => new URLSearchParams(fields).toString();
const slackFields = fc.record({
  text: badText,
  channel_id: fc.oneof(fc.constant(CHANNEL), fc.string({ maxLength: 15 })),
  user_id: fc.oneof(fc.constant('U2CERLKJA'), fc.string({ maxLength: 15 })),
  command: fc.oneof(fc.constant('/codearts'), fc.string({ maxLength: 15 })),
});

type SlashCase = { event: APIGatewayProxyEventV2; expect: 'error' | 'usage' | 'error-or-ephemeral' };

const slashCases: fc.Arbitrary<SlashCase> = fc.oneof(
  // Correctly signed, bad text (plain or base64-encoded by API Gateway): usage help.
  fc.tuple(slackFields, fc.boolean()).map(([fields, base64]) => ({
    event: slackEvent(form(fields), { base64 }),
    expect: 'usage' as const,
  })),
  // Good text, bad signatures.
  fc
    .tuple(
      fc.constantFrom(`watch ${TASK_UNKNOWN}`, `unwatch ${TASK_A}`, 'list'),
      fc.oneof(
        fc.string({ maxLength: 80 }),
        fc.stringMatching(/^v0=[0-9a-f]{64}$/),
        fc.string({ minLength: 1, maxLength: 30 }).map((secret) => ({ secret })),
      ),
    )
    .map(([text, signature]) => {
      const body = form({ text, channel_id: CHANNEL, user_id: 'U2CERLKJA', command: '/codearts' });
      return {
        event:
          typeof signature === 'string'
            ? slackEvent(body, { signature })
            : slackEvent(body, { secret: `${SIGNING_SECRET}${signature.secret}` }),
        expect: 'error' as const,
      };
    }),
  // Stale and future timestamps, correctly signed for them.
  fc.tuple(fc.integer({ min: 301, max: 10 ** 9 }), fc.boolean()).map(([delta, future]) => ({
    event: slackEvent(form({ text: `unwatch ${TASK_A}`, channel_id: CHANNEL }), {
      timestamp: future ? nowSeconds + delta : nowSeconds - delta,
    }),
    expect: 'error' as const,
  })),
  // Timestamps that are not plain seconds, signed over the odd text.
  fc
    .oneof(
      fc.string({ maxLength: 20 }),
      fc.constantFrom(`${nowSeconds}.0`, ` ${nowSeconds}`, `+${nowSeconds}`, ''),
    )
    .filter((t) => t !== String(nowSeconds))
    .map((timestamp) => {
      const body = form({ text: `unwatch ${TASK_A}`, channel_id: CHANNEL });
      const event = slackEvent(body);
      event.headers['x-slack-request-timestamp'] = timestamp;
      event.headers['x-slack-signature'] = slackSign(SIGNING_SECRET, timestamp, body);
      return { event, expect: 'error' as const };
    }),
  // Missing headers.
  fc.constantFrom('x-slack-signature', 'x-slack-request-timestamp').map((header) => {
    const event = slackEvent(form({ text: `unwatch ${TASK_A}`, channel_id: CHANNEL }));
    delete event.headers[header];
    return { event, expect: 'error' as const };
  }),
  // Garbage bodies, correctly signed: a 4xx error or a harmless ephemeral answer.
  fc
    .oneof(
      fc.string({ maxLength: 300 }),
      fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b).toString('latin1')),
    )
    .map((body) => ({ event: slackEvent(body), expect: 'error-or-ephemeral' as const })),
  // Signed, but the wrong media type, or too big.
  fc.constantFrom('application/json', 'text/plain', 'multipart/form-data', '').map((type) => ({
    event: slackEvent(form({ text: 'list', channel_id: CHANNEL }), { headers: { 'content-type': type } }),
    expect: 'error' as const,
  })),
  fc.integer({ min: 16 * 1024, max: 40 * 1024 }).map((n) => ({
    event: slackEvent(form({ text: `watch ${'a'.repeat(n)}`, channel_id: CHANNEL })),
    expect: 'error' as const,
  })),
);

describe('POST /slack/commands under fire', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await seeded();
  });

  it(`answers ${RUNS} generated bad commands with 401/4xx errors or ephemeral usage, changing nothing`, async () => {
    const before = harness.store.dump();
    const writes = harness.store.writes.length;
    let count = 0;
    await fc.assert(
      fc.asyncProperty(slashCases, async (testCase) => {
        count++;
        const answer = await call(harness.handler, structuredClone(testCase.event));
        if (
          testCase.expect === 'error' ||
          (testCase.expect === 'error-or-ephemeral' && answer.status !== 200)
        ) {
          expectClientError(answer);
        } else {
          expect(answer.status).toBe(200);
          const json = answer.json as { response_type?: string; text?: string };
          expect(json.response_type ?? 'ssl_check').toMatch(/ephemeral|ssl_check/);
          if (testCase.expect === 'usage') expect(json.text).toMatch(/Usage:|How to use/);
        }
        expect(harness.store.writes.length).toBe(writes);
      }),
      { numRuns: RUNS },
    );
    expect(count).toBeGreaterThanOrEqual(1000);
    expect(harness.store.dump()).toEqual(before);
  });

  it('still works for a good command after the barrage', async () => {
    const answer = await call(
      harness.handler,
      slackEvent(form({ text: 'list', channel_id: CHANNEL, command: '/codearts' })),
    );
    expect(answer.json).toMatchObject({ response_type: 'ephemeral', text: 'Watched in this channel (1):' });
    expect(apiEvent).toBeDefined();
  });
});
