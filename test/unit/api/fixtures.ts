// Shared test fixtures for the API: API Gateway v2 events, Slack signing, and a scripted CodeArts.
import { createHmac } from 'node:crypto';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context } from 'aws-lambda';
import type { ApiKey } from '../../../functions/config.js';
import type { HistoryPage } from '../../../functions/core/history.js';
import type { RunState } from '../../../functions/core/model.js';
import { normaliseStateResponse } from '../../../functions/core/normalise.js';
import type { TaskDetail } from '../../../functions/core/task-detail.js';
import {
  type ApiHandler,
  type ApiHandlerDeps,
  createApiHandler,
} from '../../../functions/handlers/api-pipeline.js';
import {
  CodeArtsError,
  type CodeArtsPort,
  type GetTaskStateOptions,
  type Logger,
  silentLogger,
} from '../../../functions/ports.js';
import { InMemoryWatchStore } from '../../support/fake-store.js';

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

export const TASK_A = 'e700f15965694253940502911220d76b';
export const TASK_NEVER_RUN = '8f49acfaa7ea4725b87627dc2902f19a';
export const TASK_UNKNOWN = '0123456789abcdef0123456789abcdef';
export const RECORD_A = '2c82ffe8d00d4968a4e5f7a36d87ae17';

/** A `/state` answer as CodeArts sends it (strings and numbers mixed, zone-less times in +08:00). */
export const stateBody = (taskId: string, name: string, status = 'running') => ({
  status: 'success',
  result: {
    record_id: RECORD_A,
    task_id: taskId,
    nick_name: 'devops-bot',
    status,
    step: status === 'running' ? 'running' : 'finish',
    start_time: '2026-11-28 17:55:00',
    end_time: status === 'running' ? '' : '2026-11-28 17:58:00',
    executor: 'devcloud_test',
    task_name: name,
    step_state: [
      {
        region: 'cn-north-4',
        id: 1,
        offset: 0,
        enable: true,
        name: 'Select Deployment Source',
        current_offset: 2048,
        elapsed_time: 3,
        faq_url: '',
      },
      {
        region: 'cn-north-4',
        id: '2',
        offset: '0',
        enable: 'true',
        name: 'Start Service',
        current_offset: '512',
        elapsed_time: '12',
        faq_url: '',
      },
      {
        region: 'cn-north-4',
        id: 3,
        offset: 0,
        enable: true,
        name: 'Health Check',
        current_offset: 0,
        elapsed_time: 0,
        faq_url: '',
      },
    ],
  },
});

/** The CodeArts projects of the scripted tasks. */
export const PROJECT_A = 'aaaa0000aaaa0000aaaa0000aaaa0000';
export const PROJECT_B = 'bbbb1111bbbb1111bbbb1111bbbb1111';

interface FakeTask {
  name: string;
  /** null: the task never ran (`/state` answers record-gone). */
  state: unknown | null;
  /** Its CodeArts project; default PROJECT_A. */
  projectId?: string;
}

/** A scripted CodeArts: known tasks, injectable failures and latency; honours abort signals like the client. */
export class FakeCodeArts implements CodeArtsPort {
  readonly tasks = new Map<string, FakeTask>();
  readonly calls: { op: 'state' | 'detail'; taskId: string; region: string | undefined }[] = [];
  /** Every call fails with this, when set. */
  failure: CodeArtsError | null = null;
  delayMs = 0;

  constructor() {
    this.tasks.set(TASK_A, { name: 'gateway-prod', state: stateBody(TASK_A, 'gateway-prod') });
    this.tasks.set(TASK_NEVER_RUN, { name: 'fresh-task', state: null });
  }

  private async answer<T>(signal: AbortSignal | undefined, produce: () => T): Promise<T> {
    if (this.delayMs > 0) {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(resolve, this.delayMs);
        signal?.addEventListener(
          'abort',
          () => {
            clearTimeout(timer);
            reject(new CodeArtsError('timeout', 'aborted', { cause: signal.reason }));
          },
          { once: true },
        );
      });
    }
    if (this.failure !== null) throw this.failure;
    return produce();
  }

  async getTaskState(taskId: string, options: GetTaskStateOptions = {}): Promise<RunState> {
    this.calls.push({ op: 'state', taskId, region: options.region });
    return this.answer(options.signal, () => {
      const task = this.tasks.get(taskId);
      if (task === undefined) {
        throw new CodeArtsError('task-gone', 'no such task', { status: 404, code: 'Deploy.00011020' });
      }
      if (task.state === null) {
        throw new CodeArtsError('record-gone', 'no execution record', {
          status: 404,
          code: 'Deploy.00011303',
        });
      }
      // Read as the real adapter reads it: what core refuses is a bad response.
      try {
        return normaliseStateResponse(structuredClone(task.state), { timeZone: '+08:00' });
      } catch (error) {
        throw new CodeArtsError('bad-response', String(error), { cause: error });
      }
    });
  }

  async getTaskDetail(
    taskId: string,
    options: Omit<GetTaskStateOptions, 'recordId'> = {},
  ): Promise<TaskDetail> {
    this.calls.push({ op: 'detail', taskId, region: options.region });
    return this.answer(options.signal, () => {
      const task = this.tasks.get(taskId);
      if (task === undefined) {
        throw new CodeArtsError('task-gone', 'no such task', { status: 404, code: 'Deploy.00011020' });
      }
      return { name: task.name, projectId: task.projectId ?? PROJECT_A };
    });
  }

  /** Registration never reads history; an empty one keeps the port complete. */
  async listTaskHistory(): Promise<HistoryPage> {
    return { records: [], total: 0 };
  }
}

/** A logger that keeps what it was told, so tests can assert that internals went to the log, not the caller. */
export const recordingLogger = (): Logger & {
  entries: { level: string; message: string; extra?: unknown }[];
} => {
  const entries: { level: string; message: string; extra?: unknown }[] = [];
  const at =
    (level: string) =>
    (message: string, extra?: Record<string, unknown>): void => {
      entries.push({ level, message, extra });
    };
  return { entries, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
};

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
