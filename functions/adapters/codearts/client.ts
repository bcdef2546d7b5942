// adapters/codearts → CodeArtsPort over HTTPS: builds the Deploy calls by hand (the current SDK has
// no /state operation), authenticates with an IAM token, AK/SK signing or a ready token, and turns
// every failure into a CodeArtsError.
//
// Response bodies: the client checks the envelope (a 2xx body must be a JSON object; for /state it must also be
// `{"status":"success","result":{…}}`), then reads it with core's parsers, which are tolerant of both the doc
// and SDK field types, so every call returns domain types. Anything unusable, including an answer about another
// task or record than asked for, is 'bad-response' (transient: the next poll tries again).
import { type ApplicationPage, parseApplicationPage } from '../../core/applications.js';
import { isObject } from '../../core/codearts-json.js';
import { DEFAULT_CODEARTS_TIME_ZONE, parseTimeZoneOffset } from '../../core/codearts-time.js';
import {
  type ExecutionParam,
  parseExecutionParams,
  parseStartedRun,
  parseStopAnswer,
} from '../../core/deploy-actions.js';
import { type HistoryPage, parseHistory } from '../../core/history.js';
import type { RunState } from '../../core/model.js';
import { MalformedStateError, normaliseStateResponse } from '../../core/normalise.js';
import { parseTaskDetail, type TaskDetail } from '../../core/task-detail.js';
import {
  type CodeArtsActionsPort,
  type CodeArtsCallOptions,
  CodeArtsError,
  type CodeArtsFeedPort,
  type CodeArtsPort,
  type GetTaskStateOptions,
  type ListApplicationsOptions,
  type ListTaskHistoryOptions,
  type StartTaskOptions,
} from '../../ports.js';
import type { CodeArtsAuth } from '../../shared/codearts-auth.js';
import { REGION_PATTERN } from '../../shared/region.js';
import { type HttpFailure, httpError, parseErrorFields } from './errors.js';
import { type Exchange, exchange } from './http.js';
import { IamTokenProvider } from './iam-token.js';
import { applicationListBody, checkId, startBody } from './requests.js';
import { rfc3986, signRequest } from './signer.js';

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
  /** Zone of CodeArts' zone-less times in the answers parsed here (`Z` or `±HH:MM`). Default +08:00. */
  timeZone?: string;
}

export const DEFAULT_TIMEOUT_MS = 8000;

export const defaultDeployEndpoint = (region: string): string =>
  `https://codearts-deploy.${region}.myhuaweicloud.com`;

/** IAM lives at iam.{region}.myhuaweicloud.com, except eu-west-101 (.eu). */
export const defaultIamEndpoint = (region: string): string =>
  region === 'eu-west-101'
    ? 'https://iam.eu-west-101.myhuaweicloud.eu'
    : `https://iam.${region}.myhuaweicloud.com`;

const USER_AGENT = 'codearts-slack-notifier';

type BodyCheck = (body: Record<string, unknown>) => string | null;

/** The body as `check` wants it, or a MalformedStateError saying why not (read by #call as 'bad-response'). */
const enveloped = (body: unknown, check: BodyCheck): Record<string, unknown> => {
  if (!isObject(body)) throw new MalformedStateError('body', 'the body is not a JSON object');
  const problem = check(body);
  if (problem !== null) throw new MalformedStateError('body', problem);
  return body;
};

/** /state must be the wrapped shape; returns why not, or null. */
const stateEnvelope: BodyCheck = (body) =>
  body.status === 'success' && isObject(body.result)
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

type Method = 'GET' | 'POST' | 'PUT';

export class CodeArtsClient implements CodeArtsPort, CodeArtsFeedPort, CodeArtsActionsPort {
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
    this.#timeZone = options.timeZone ?? DEFAULT_CODEARTS_TIME_ZONE;
    if (parseTimeZoneOffset(this.#timeZone) === null) {
      throw new CodeArtsError('bad-request', `invalid CodeArts time zone ${JSON.stringify(this.#timeZone)}`);
    }
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

  getTaskState(taskId: string, options: GetTaskStateOptions = {}): Promise<RunState> {
    const query: Array<[string, string]> = [];
    if (options.recordId !== undefined) query.push(['record_id', options.recordId]);
    query.push(['step_state', 'true']);
    return this.#call('GET', options, `/v2/tasks/${rfc3986(taskId)}/state`, { query }, (body) => {
      const run = normaliseStateResponse(enveloped(body, stateEnvelope), { timeZone: this.#timeZone });
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

  getTaskDetail(taskId: string, options: Omit<GetTaskStateOptions, 'recordId'> = {}): Promise<TaskDetail> {
    return this.#call('GET', options, `/v2/tasks/${rfc3986(taskId)}`, {}, (body) =>
      parseTaskDetail(enveloped(body, detailEnvelope)),
    );
  }

  listTaskHistory(taskId: string, options: ListTaskHistoryOptions): Promise<HistoryPage> {
    const query: Array<[string, string]> = [
      ['page', String(options.page)],
      ['size', String(options.size)],
      ['start_date', options.startDate],
      ['end_date', options.endDate],
    ];
    const path = `/v2/${rfc3986(options.projectId)}/task/${rfc3986(taskId)}/history`;
    return this.#call('GET', options, path, { query }, (body) =>
      parseHistory(enveloped(body, historyEnvelope), { timeZone: this.#timeZone }),
    );
  }

  async listApplications(projectId: string, options: ListApplicationsOptions): Promise<ApplicationPage> {
    const body = applicationListBody(projectId, options);
    return this.#call('POST', options, '/v1/applications/list', { body }, (answer) =>
      parseApplicationPage(answer, { timeZone: this.#timeZone }),
    );
  }

  async startTask(taskId: string, options: StartTaskOptions = {}): Promise<{ recordId: string }> {
    checkId('task ID', taskId);
    const body = startBody(options);
    return this.#call('POST', options, `/v2/tasks/${taskId}/start`, { body }, (answer) =>
      parseStartedRun(answer, taskId),
    );
  }

  async stopRun(taskId: string, recordId: string, options: CodeArtsCallOptions = {}): Promise<void> {
    checkId('task ID', taskId);
    checkId('record ID', recordId);
    // The SDK types the body as a plain string and sends none; neither does this.
    return this.#call('PUT', options, `/v2/tasks/${taskId}/records/${recordId}/stop`, {}, (answer) =>
      parseStopAnswer(answer, taskId, recordId),
    );
  }

  async getExecutionParams(
    taskId: string,
    recordId: string,
    options: CodeArtsCallOptions = {},
  ): Promise<ExecutionParam[]> {
    checkId('task ID', taskId);
    checkId('record ID', recordId);
    const query: Array<[string, string]> = [['record_id', recordId]];
    return this.#call('GET', options, `/v2/history/tasks/${taskId}/params`, { query }, parseExecutionParams);
  }

  /** One call whose 2xx body `parse` (a core/ parser) turns into a domain value; its refusal is 'bad-response'. */
  async #call<T>(
    method: Method,
    options: CodeArtsCallOptions,
    path: string,
    request: { query?: Array<[string, string]>; body?: string },
    parse: (body: unknown) => T,
  ): Promise<T> {
    const { result, what } = await this.#exchange(
      method,
      options.region,
      path,
      request.query ?? [],
      request.body,
      options.signal,
    );
    const failure = this.#failure(result, what);
    if (result.status < 200 || result.status >= 300) throw httpError(failure);
    let body: unknown;
    try {
      body = JSON.parse(result.body);
    } catch (error) {
      throw this.#badResponse(result, what, failure.requestId, 'the body is not JSON', error);
    }
    try {
      return parse(body);
    } catch (error) {
      if (!(error instanceof MalformedStateError)) throw error;
      // A 2xx carrying a CodeArts error code (e.g. Deploy.00011027) means what the code says.
      if (parseErrorFields(body).code !== undefined) {
        const coded = httpError(failure);
        if (coded.kind !== 'bad-response') throw coded;
      }
      throw this.#badResponse(result, what, failure.requestId, `${error.field}: ${error.message}`, error);
    }
  }

  /** Sends one request with credentials; on a 401 with an IAM token, renews the token and sends it once more. */
  async #exchange(
    method: Method,
    regionOverride: string | undefined,
    path: string,
    query: Array<[string, string]>,
    body: string | undefined,
    signal: AbortSignal | undefined,
  ): Promise<{ result: Exchange; what: string }> {
    const region = regionOverride ?? this.region;
    checkRegion(region);
    const base = (this.#endpoint?.replaceAll('{region}', region) ?? defaultDeployEndpoint(region)).replace(
      /\/+$/,
      '',
    );
    const search = query.map(([k, v]) => `${rfc3986(k)}=${rfc3986(v)}`).join('&');
    const url = new URL(`${base}${path}${search === '' ? '' : `?${search}`}`);
    const what = `CodeArts ${method} ${url.pathname}`;
    const send = async (headers: Record<string, string>): Promise<Exchange> =>
      exchange(
        url,
        { method, headers, ...(body === undefined ? {} : { body }) },
        { what, timeoutMs: this.#timeoutMs, signal },
      );

    let sent = await this.#headers(region, method, url, body, signal);
    let result = await send(sent.headers);
    if (result.status === 401 && this.#tokens !== undefined && sent.token !== undefined) {
      // The token may have been revoked or expired early: renew it once and retry once. A 401 comes from
      // the gateway, before the Deploy backend, so even a start is safe to send again.
      this.#tokens.invalidate(region, sent.token);
      sent = await this.#headers(region, method, url, body, signal);
      result = await send(sent.headers);
    }
    return { result, what };
  }

  async #headers(
    region: string,
    method: Method,
    url: URL,
    body: string | undefined,
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
        const signed = signRequest(
          { method, url, headers: toSign, ...(body === undefined ? {} : { body }) },
          auth,
          this.#now(),
        );
        return { headers: { ...common, ...signed } };
      }
    }
  }

  #failure(result: Exchange, what: string): HttpFailure {
    return {
      what,
      status: result.status,
      statusText: result.statusText,
      body: result.body,
      requestId: result.headers.get('x-request-id') ?? undefined,
      retryAfter: result.headers.get('retry-after'),
      nowMs: this.#now(),
      redact: (text: string) => this.#redact(text),
    };
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

const checkRegion = (region: string): void => {
  // The region becomes part of a host name: only a region ID, which cannot change which host it is, gets there.
  if (!REGION_PATTERN.test(region)) {
    throw new CodeArtsError('bad-request', `invalid CodeArts region ${JSON.stringify(region)}`);
  }
};
