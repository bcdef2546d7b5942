// Shared test fixtures for the API: API Gateway v2 events, Slack signing, and the api pipeline over the fakes
// (test/support/fakes/: the in-memory store and the scripted CodeArts).
import { createHmac } from 'node:crypto';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context } from 'aws-lambda';
import type { ApiKey } from '../../../functions/config.js';
import {
  type ApiHandler,
  type ApiHandlerDeps,
  createApiHandler,
} from '../../../functions/handlers/api-pipeline.js';
import { silentLogger } from '../../../functions/ports.js';
import { FakeCodeArts } from '../../support/fakes/codearts.js';
import { InMemoryWatchStore } from '../../support/fakes/watch-store.js';

export const API_KEY = 'test-key-0123456789abcdef';
export const OTHER_KEY = 'rotated-key-fedcba9876543210';
/** A read-only key, as a dashboard would have. */
export const READ_KEY = 'dashboard-key-5555aaaa6666bbbb';
/** A write key by the name the audit trail shows. */
export const writeKey = (key: string, name = 'ci'): ApiKey => ({ name, scope: 'write', key });
export const API_KEYS: ApiKey[] = [
  writeKey(API_KEY, 'ci'),
  writeKey(OTHER_KEY, 'rotated'),
  { name: 'dashboard', scope: 'read', key: READ_KEY },
];
export const SIGNING_SECRET = '8f742231b10e8888abcd99yyyzzz85a5';
/** 2026-11-28T10:00:00Z: the tests' "now". */
export const NOW = Date.parse('2026-11-28T10:00:00Z');

export interface Harness {
  handler: ApiHandler;
  store: InMemoryWatchStore;
  codearts: FakeCodeArts;
  clock: { now: number };
}

export const makeHarness = (overrides: Partial<ApiHandlerDeps> = {}): Harness => {
  const store = new InMemoryWatchStore();
  const codearts = new FakeCodeArts();
  const clock = { now: NOW };
  const handler = createApiHandler({
    store,
    codearts,
    apiKeys: () => API_KEYS,
    slackSigningSecret: () => SIGNING_SECRET,
    defaultRegion: 'cn-north-4',
    now: () => clock.now,
    logger: silentLogger,
    slashVerifyTimeoutMs: 200,
    ...overrides,
  });
  return { handler, store, codearts, clock };
};

export interface EventInput {
  method: string;
  path: string;
  headers?: Record<string, string>;
  query?: string;
  body?: string;
  isBase64Encoded?: boolean;
  stage?: string;
}

/** An API Gateway HTTP API (payload 2.0) event, shaped as API Gateway sends it. */
export const apiEvent = (input: EventInput): APIGatewayProxyEventV2 => {
  const query = input.query ?? '';
  const params = new URLSearchParams(query);
  const queryStringParameters: Record<string, string> = {};
  for (const key of new Set(params.keys())) queryStringParameters[key] = params.getAll(key).join(',');
  const stage = input.stage ?? '$default';
  const path = stage === '$default' ? input.path : `/${stage}${input.path}`;
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: path,
    rawQueryString: query,
    headers: { host: 'api.example.com', 'user-agent': 'vitest', ...(input.headers ?? {}) },
    ...(query === '' ? {} : { queryStringParameters }),
    requestContext: {
      accountId: '123456789012',
      apiId: 'api',
      domainName: 'api.example.com',
      domainPrefix: 'api',
      http: {
        method: input.method,
        path,
        protocol: 'HTTP/1.1',
        sourceIp: '203.0.113.1',
        userAgent: 'vitest',
      },
      requestId: 'req-1',
      routeKey: '$default',
      stage,
      time: '28/Nov/2026:10:00:00 +0000',
      timeEpoch: NOW,
    },
    ...(input.body === undefined ? {} : { body: input.body }),
    isBase64Encoded: input.isBase64Encoded ?? false,
  };
};

export const lambdaContext = (): Context =>
  ({
    functionName: 'api',
    awsRequestId: 'req-1',
    getRemainingTimeInMillis: () => 29_000,
  }) as unknown as Context;

export interface Answer {
  status: number;
  headers: Record<string, string>;
  json: unknown;
  text: string;
}

export const call = async (handler: ApiHandler, event: APIGatewayProxyEventV2): Promise<Answer> => {
  const result: APIGatewayProxyResultV2 = await handler(event, lambdaContext());
  if (typeof result === 'string') return { status: 200, headers: {}, json: JSON.parse(result), text: result };
  const text = result.body ?? '';
  const headers = Object.fromEntries(
    Object.entries(result.headers ?? {}).map(([key, value]) => [key.toLowerCase(), String(value)]),
  );
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: result.statusCode ?? 200, headers, json, text };
};

export const auth = (key = API_KEY): Record<string, string> => ({ authorization: `Bearer ${key}` });

export const postTask = (body: unknown, headers: Record<string, string> = {}): APIGatewayProxyEventV2 =>
  apiEvent({
    method: 'POST',
    path: '/tasks',
    headers: { 'content-type': 'application/json', ...auth(), ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

export const slackSign = (secret: string, timestamp: number | string, body: string | Buffer): string =>
  `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:`).update(body).digest('hex')}`;

/** The workspace the tests' Slack commands come from. */
export const TEAM = 'T1DC2JH3J';

/** The urlencoded form Slack posts for `/codearts <text>` typed in `channel`. */
export const slackForm = (text: string, channel = 'C0123ABCD9', user = 'U2CERLKJA', team = TEAM): string =>
  new URLSearchParams({
    token: 'xyzz0WbapA4vBCDEFasx0q6G',
    team_id: team,
    team_domain: 'testteamnow',
    channel_id: channel,
    channel_name: 'deploys',
    user_id: user,
    user_name: 'roadrunner',
    command: '/codearts',
    text,
    response_url: `https://hooks.slack.com/commands/${team}/397700885554/96rGlfmibIGlgcZRskXaIFfN`,
    trigger_id: '398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c',
  }).toString();

export const slackEvent = (
  body: string,
  options: {
    timestamp?: number;
    secret?: string;
    signature?: string;
    base64?: boolean;
    headers?: Record<string, string>;
  } = {},
): APIGatewayProxyEventV2 => {
  const timestamp = options.timestamp ?? Math.floor(NOW / 1000);
  const signature = options.signature ?? slackSign(options.secret ?? SIGNING_SECRET, timestamp, body);
  return apiEvent({
    method: 'POST',
    path: '/slack/commands',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': String(timestamp),
      'x-slack-signature': signature,
      ...(options.headers ?? {}),
    },
    body: options.base64 === true ? Buffer.from(body, 'utf8').toString('base64') : body,
    isBase64Encoded: options.base64 === true,
  });
};
