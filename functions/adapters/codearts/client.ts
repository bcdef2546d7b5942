// adapters/codearts → CodeArtsPort over HTTPS: builds the Deploy calls by hand (the current SDK has
// no /state operation), authenticates with an IAM token, AK/SK signing or a ready token, and turns
// every failure into a CodeArtsError.
//
// Response bodies: the client checks the envelope (a 2xx body must be a JSON object; for /state it must also be
// `{"status":"success","result":{…}}`), then reads it with core's parsers, which are tolerant of both the doc
// and SDK field types. Anything unusable, including an answer about another task or record than asked for, is
// 'bad-response' (transient: the next poll tries again).
import { type HistoryPage, parseHistory } from '../../core/history.js';
import type { RunState } from '../../core/model.js';
import { MalformedStateError, normaliseStateResponse } from '../../core/normalise.js';
import { parseTaskDetail, type TaskDetail } from '../../core/task-detail.js';
import {
  CodeArtsError,
  type CodeArtsPort,
  type GetTaskStateOptions,
  type ListTaskHistoryOptions,
} from '../../ports.js';
import { httpError, parseErrorFields } from './errors.js';
import { type Exchange, exchange } from './http.js';
import { IamTokenProvider, type PasswordAuth } from './iam-token.js';
import { rfc3986, signRequest } from './signer.js';

export type CodeArtsAuth =
  | ({ type: 'password' } & PasswordAuth)
  | { type: 'aksk'; accessKey: string; secretKey: string; securityToken?: string; projectId?: string }
  | { type: 'token'; token: string };

export interface CodeArtsClientOptions {
  /** Default region of tasks (a call may name another). */
  region: string;
  /** Deploy base URL for every region; may contain `{region}`. Default https://codearts-deploy.{region}.myhuaweicloud.com */
  endpoint?: string;
  /** IAM base URL; may contain `{region}`. Default https://iam.{region}.myhuaweicloud.com */
  iamEndpoint?: string;
  auth: CodeArtsAuth;
  /** Per HTTP request (IAM and Deploy alike). Default 8000. */
  timeoutMs?: number;
  /** Epoch ms, for token expiry and X-Sdk-Date. Default Date.now. */
  now?: () => number;
  /** Zone of CodeArts' zone-less timestamps (`Z` or `±HH:MM`). Default `+08:00`. */
  timeZone?: string;
}

export const DEFAULT_TIMEOUT_MS = 8000;
export const DEFAULT_TIME_ZONE = '+08:00';

export const defaultDeployEndpoint = (region: string): string =>
  `https://codearts-deploy.${region}.myhuaweicloud.com`;

/** IAM lives at iam.{region}.myhuaweicloud.com, except eu-west-101 (.eu). */
export const defaultIamEndpoint = (region: string): string =>
  region === 'eu-west-101'
    ? 'https://iam.eu-west-101.myhuaweicloud.eu'
    : `https://iam.${region}.myhuaweicloud.com`;

const REGION_PATTERN = /^[a-z0-9]+(-[a-z0-9]+)*$/;
const USER_AGENT = 'codearts-slack-notifier';

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

type BodyCheck = (body: Record<string, unknown>) => string | null;

/** /state must be the wrapped shape; returns why not, or null. */
const stateEnvelope: BodyCheck = (body) =>
  body.status === 'success' && isRecord(body.result)
    ? null
    : `expected {"status":"success","result":{…}}, got status ${JSON.stringify(body.status ?? null)}`;

/** Task detail is flat; an error body on a 2xx is the only thing to catch. */
const detailEnvelope: BodyCheck = (body) =>
  body.task_id === undefined && body.name === undefined && parseErrorFields(body).code !== undefined
    ? 'an error body'
    : null;

/** History is `{"result":[…],"total_num":n}`; the entries themselves are core/'s to check. */
const historyEnvelope: BodyCheck = (body) =>
  Array.isArray(body.result)
    ? null
    : `expected {"result":[…],"total_num":n}, got result ${JSON.stringify(typeof body.result)}`;

export class CodeArtsClient implements CodeArtsPort {
  readonly region: string;
  readonly #auth: CodeArtsAuth;
  readonly #endpoint: string | undefined;
  readonly #timeoutMs: number;
  readonly #now: () => number;
  readonly #timeZone: string;
  readonly #tokens: IamTokenProvider | undefined;

  constructor(options: CodeArtsClientOptions) {
    checkRegion(options.region);
    this.region = options.region;
    this.#auth = options.auth;
    this.#endpoint = options.endpoint;
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (!(this.#timeoutMs > 0)) throw new RangeError(`timeoutMs must be > 0, got ${this.#timeoutMs}`);
    this.#now = options.now ?? Date.now;
    this.#timeZone = options.timeZone ?? DEFAULT_TIME_ZONE;
    if (options.auth.type === 'password') {
      const iamEndpoint = options.iamEndpoint;
      this.#tokens = new IamTokenProvider({
        auth: options.auth,
        defaultRegion: options.region,
        iamBase: (region) =>
          iamEndpoint === undefined ? defaultIamEndpoint(region) : iamEndpoint.replaceAll('{region}', region),
        timeoutMs: this.#timeoutMs,
        now: this.#now,
        redact: (text) => this.#redact(text),
      });
    }
  }

  async getTaskState(taskId: string, options: GetTaskStateOptions = {}): Promise<RunState> {
    const query: Array<[string, string]> = [];
    if (options.recordId !== undefined) query.push(['record_id', options.recordId]);
    query.push(['step_state', 'true']);
    const path = `/v2/tasks/${rfc3986(taskId)}/state`;
    const body = await this.#get(options.region, path, query, options.signal, stateEnvelope);
    return readAnswer(path, () => {
      const run = normaliseStateResponse(body, { timeZone: this.#timeZone });
      // Taken as it is, an answer about another task or record would replace this task's snapshot.
      if (run.taskId.toLowerCase() !== taskId.toLowerCase()) {
        throw new MalformedStateError('result.task_id', 'result.task_id names another task');
      }
      if (options.recordId !== undefined && run.recordId !== options.recordId) {
        throw new MalformedStateError(
          'result.record_id',
          'result.record_id names another record than asked for',
        );
      }
      return run;
    });
  }

  async getTaskDetail(
    taskId: string,
    options: Omit<GetTaskStateOptions, 'recordId'> = {},
  ): Promise<TaskDetail> {
    const path = `/v2/tasks/${rfc3986(taskId)}`;
    const body = await this.#get(options.region, path, [], options.signal, detailEnvelope);
    return readAnswer(path, () => parseTaskDetail(body));
  }

  async listTaskHistory(taskId: string, options: ListTaskHistoryOptions): Promise<HistoryPage> {
    const query: Array<[string, string]> = [
      ['page', String(options.page)],
      ['size', String(options.size)],
      ['start_date', options.startDate],
      ['end_date', options.endDate],
    ];
    const path = `/v2/${rfc3986(options.projectId)}/task/${rfc3986(taskId)}/history`;
    const body = await this.#get(options.region, path, query, options.signal, historyEnvelope);
    return readAnswer(path, () => parseHistory(body, { timeZone: this.#timeZone }));
  }

  async #get(
    regionOverride: string | undefined,
    path: string,
    query: Array<[string, string]>,
    signal: AbortSignal | undefined,
    check: BodyCheck,
  ): Promise<unknown> {
    const region = regionOverride ?? this.region;
    checkRegion(region);
    const base = (this.#endpoint?.replaceAll('{region}', region) ?? defaultDeployEndpoint(region)).replace(
      /\/+$/,
      '',
    );
    const search = query.map(([k, v]) => `${rfc3986(k)}=${rfc3986(v)}`).join('&');
    const url = new URL(`${base}${path}${search === '' ? '' : `?${search}`}`);
    const what = `CodeArts GET ${url.pathname}`;

    let sent = await this.#headers(region, url, signal);
    let result = await exchange(
      url,
      { method: 'GET', headers: sent.headers },
      { what, timeoutMs: this.#timeoutMs, signal },
    );
    if (result.status === 401 && this.#tokens !== undefined && sent.token !== undefined) {
      // The token may have been revoked or expired early: renew it once and retry once.
      this.#tokens.invalidate(region, sent.token);
      sent = await this.#headers(region, url, signal);
      result = await exchange(
        url,
        { method: 'GET', headers: sent.headers },
        { what, timeoutMs: this.#timeoutMs, signal },
      );
    }
    return this.#interpret(result, what, check);
  }

  async #headers(
    region: string,
    url: URL,
    signal: AbortSignal | undefined,
  ): Promise<{ headers: Record<string, string>; token?: string }> {
    const common = { Accept: 'application/json', 'User-Agent': USER_AGENT };
    const auth = this.#auth;
    switch (auth.type) {
      case 'token':
        return { headers: { ...common, 'Content-Type': 'application/json', 'X-Auth-Token': auth.token } };
      case 'password': {
        const token = await (this.#tokens as IamTokenProvider).token(region, signal);
        return { headers: { ...common, 'Content-Type': 'application/json', 'X-Auth-Token': token }, token };
      }
      case 'aksk': {
        const toSign: Record<string, string> = { 'content-type': 'application/json' };
        if (auth.projectId !== undefined) toSign['x-project-id'] = auth.projectId;
        if (auth.securityToken !== undefined) toSign['x-security-token'] = auth.securityToken;
        const signed = signRequest({ method: 'GET', url, headers: toSign }, auth, this.#now());
        return { headers: { ...common, ...signed } };
      }
    }
  }

  #interpret(result: Exchange, what: string, check: BodyCheck): unknown {
    const requestId = result.headers.get('x-request-id') ?? undefined;
    const failure = {
      what,
      status: result.status,
      statusText: result.statusText,
      body: result.body,
      requestId,
      retryAfter: result.headers.get('retry-after'),
      nowMs: this.#now(),
      redact: (text: string) => this.#redact(text),
    };
    if (result.status < 200 || result.status >= 300) throw httpError(failure);
    let body: unknown;
    try {
      body = JSON.parse(result.body);
    } catch (error) {
      throw this.#badResponse(result, what, requestId, 'the body is not JSON', error);
    }
    if (!isRecord(body)) throw this.#badResponse(result, what, requestId, 'the body is not a JSON object');
    const problem = check(body);
    if (problem === null) return body;
    // A 2xx carrying a CodeArts error code (e.g. Deploy.00011303) means what the code says.
    if (parseErrorFields(body).code !== undefined) {
      const error = httpError(failure);
      if (error.kind !== 'bad-response') throw error;
    }
    throw this.#badResponse(result, what, requestId, problem);
  }

  #badResponse(
    result: Exchange,
    what: string,
    requestId: string | undefined,
    why: string,
    cause?: unknown,
  ): CodeArtsError {
    const snippet = result.body.slice(0, 80).replace(/\s+/g, ' ');
    return new CodeArtsError(
      'bad-response',
      this.#redact(
        `${what}: HTTP ${result.status}: ${why} (starts ${JSON.stringify(snippet)})${requestId === undefined ? '' : ` (request ${requestId})`}`,
      ),
      {
        status: result.status,
        ...(requestId === undefined ? {} : { requestId }),
        ...(cause === undefined ? {} : { cause }),
      },
    );
  }

  /** Scrubs every credential this client knows from text that may have come back from a server. */
  #redact(text: string): string {
    const auth = this.#auth;
    const secrets =
      auth.type === 'password'
        ? [auth.password, ...(this.#tokens?.held() ?? [])]
        : auth.type === 'aksk'
          ? [auth.secretKey, auth.securityToken ?? '']
          : [auth.token];
    let out = text;
    for (const secret of secrets) if (secret.length >= 4) out = out.replaceAll(secret, '[redacted]');
    return out;
  }
}

/** Runs a core parser over an answer; what it refuses becomes a 'bad-response' naming the call and the field. */
function readAnswer<T>(path: string, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (!(error instanceof MalformedStateError)) throw error;
    throw new CodeArtsError('bad-response', `CodeArts GET ${path}: ${error.field}: ${error.message}`, {
      cause: error,
    });
  }
}

const checkRegion = (region: string): void => {
  // The region becomes part of a host name: refuse anything that could change which host it is.
  if (!REGION_PATTERN.test(region)) {
    throw new CodeArtsError('bad-request', `invalid CodeArts region ${JSON.stringify(region)}`);
  }
};
