// local/codearts-simulator → a local stand-in for Huawei Cloud CodeArts Deploy and its IAM, over real HTTP,
// so the client under test runs unchanged. One server answers IAM, the Deploy API and a small `/_sim/`
// control API. Run state is a pure function of the simulator clock; faults break chosen calls. README.md
// beside this file lists the routes, the faults and the controls.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { streamFlood } from '../flood.js';
import { listen } from '../listen.js';
import type { ReceivedRequest } from './aksk.js';
import { type SimClock, SystemClock } from './clock.js';
import { handleControl } from './control.js';
import { DeployApi, type DeployCall } from './deploy-api.js';
import { gatewayError, SimHttpError } from './errors.js';
import { API_NOT_FOUND, faultReply, gatewayReply } from './fault-replies.js';
import {
  type ActionFault,
  type ArmedFault,
  checkFault,
  type Fault,
  FaultBook,
  type FaultMatchContext,
  isFeedFault,
  isResponseFault,
} from './faults.js';
import { Iam } from './iam.js';
import { IdRegistry } from './ids.js';
import { field, parseJson, str } from './request-body.js';
import { DEFAULT_UTC_OFFSET_MINUTES } from './time.js';
import type { RunScript } from './timeline.js';
import { WireViews } from './views.js';
import { type RunTruth, type SimParam, type SimTask, type TaskSpec, World } from './world.js';

export interface SimulatorOptions {
  /** Default 0: an ephemeral port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default: a SystemClock at normal speed. */
  clock?: SimClock;
  /** Delay (real ms) before every IAM/Deploy answer, without blocking other requests. Default 0. */
  latencyMs?: number;
  /** Deploy calls per credential (token or AK) per simulated minute; null = unlimited (default). */
  rateLimitPerMinute?: number | null;
  /** Region reported in StepInfo and application detail. Default cn-north-4. */
  region?: string;
  /** Zone of CodeArts' zone-less timestamps, in minutes east of UTC. Default 480 (UTC+8). */
  utcOffsetMinutes?: number;
  /** Send 404 `Deploy.00011303` as `text/html` like the live service. Default true. */
  recordGoneAsHtml?: boolean;
  /** Serve the `/_sim/` control API. Default true. */
  controlApi?: boolean;
  /** Called once per answered request (e.g. to log it). */
  onRequest?: (entry: RequestLogEntry) => void;
  /** Oldest entries of `requests` are dropped beyond this. Default 100 000. */
  maxLogEntries?: number;
}

export type AuthKind = 'token' | 'aksk' | 'password' | 'none' | 'control';

export interface RequestLogEntry {
  /** Simulator clock when the request arrived. */
  at: number;
  method: string;
  /** The path as sent (still percent-encoded). */
  path: string;
  query: Record<string, string>;
  /** The kind of credential the request presented (whether or not it was valid). */
  auth: AuthKind;
  /** HTTP status, or null while the request is unanswered (hanging). */
  status: number | null;
  requestId: string;
  /** The task the path names, if any. */
  taskId?: string;
  /** The injected fault that answered it (or bent a ListAllApp answer), if any. */
  fault?: ArmedFault['kind'];
  /** For a `flood` fault: the body bytes written before the client stopped reading (set when it is over). */
  bytesSent?: number;
}

export interface Reply {
  status: number;
  body?: unknown;
  contentType?: string;
  headers?: Record<string, string>;
}

interface Ctx {
  req: IncomingMessage;
  res: ServerResponse;
  requestId: string;
  method: string;
  rawPath: string;
  rawQuery: string;
  query: URLSearchParams;
  body: Buffer;
  log: RequestLogEntry;
  target: FaultMatchContext;
}

type RouteKind = 'deploy' | 'iam' | 'control';

interface Route {
  method: string;
  segments: string[];
  kind: RouteKind;
  /** ListAllApp: the change feed, which feed faults bend. */
  feed?: boolean;
  handle: (ctx: Ctx, params: Record<string, string>) => Reply | Promise<Reply>;
}

const JSON_TYPE = 'application/json;charset=UTF-8';
const MAX_BODY_BYTES = 1024 * 1024;
const IAM_TOKENS_PATH = '/v3/auth/tokens';

export class CodeArtsSimulator {
  /** Base URL serving both IAM and Deploy paths (CODEARTS_ENDPOINT and HUAWEI_IAM_ENDPOINT). */
  readonly url: string;
  readonly clock: SimClock;
  readonly region: string;
  /** Real milliseconds before each IAM/Deploy answer; may be changed at any time. */
  latencyMs: number;
  /** Per-credential calls per simulated minute; null = unlimited. May be changed at any time. */
  rateLimitPerMinute: number | null;

  readonly #server: Server;
  readonly #ids = new IdRegistry();
  readonly #world: World;
  readonly #views: WireViews;
  readonly #deploy: DeployApi;
  readonly #iam: Iam;
  readonly #faults = new FaultBook();
  readonly #log: RequestLogEntry[] = [];
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #rate = new Map<string, number[]>();
  readonly #routes: Route[];
  readonly #options: SimulatorOptions;

  private constructor(server: Server, url: string, options: SimulatorOptions, clock: SimClock) {
    this.#server = server;
    this.url = url;
    this.clock = clock;
    this.#options = options;
    this.region = options.region ?? 'cn-north-4';
    this.latencyMs = options.latencyMs ?? 0;
    this.rateLimitPerMinute = options.rateLimitPerMinute ?? null;
    const now = (): number => this.clock.now();
    const utcOffsetMinutes = options.utcOffsetMinutes ?? DEFAULT_UTC_OFFSET_MINUTES;
    this.#world = new World({ ids: this.#ids, now });
    this.#views = new WireViews({ region: this.region, utcOffsetMinutes, now });
    this.#deploy = new DeployApi({
      world: this.#world,
      views: this.#views,
      faults: this.#faults,
      now,
      utcOffsetMinutes,
      recordGoneAsHtml: options.recordGoneAsHtml !== false,
    });
    this.#iam = new Iam(this.#ids, now);
    this.#routes = this.#buildRoutes();
  }

  static async start(options: SimulatorOptions = {}): Promise<CodeArtsSimulator> {
    const host = options.host ?? '127.0.0.1';
    const server = createServer();
    server.keepAliveTimeout = 5000;
    const port = await listen(server, options.port ?? 0, host);
    const urlHost =
      host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
    const sim = new CodeArtsSimulator(
      server,
      `http://${urlHost}:${port}`,
      options,
      options.clock ?? new SystemClock(),
    );
    server.on('request', (req, res) => {
      sim.#handle(req, res).catch((error: unknown) => {
        // Last resort: a bug in the simulator must still answer, and loudly.
        if (!res.headersSent) {
          res.writeHead(500, { 'Content-Type': 'text/plain' });
          res.end(`simulator bug: ${String(error)}`);
        }
      });
    });
    return sim;
  }

  // ─── Programmatic API ─────────────────────────────────────────────────────────────────────────

  /** The default CodeArts project: where tasks go when their spec names none (`{project_id}` of list/history paths). */
  get projectId(): string {
    return this.#world.projectId;
  }

  /** Another CodeArts project of the tenant (its own `project_id`, its own applications). */
  createProject(spec: { id?: string; name?: string } = {}): { projectId: string } {
    return { projectId: this.#world.createProject(spec).id };
  }

  /** Every project, with how many live applications each has. */
  projects(): Array<{ projectId: string; name: string; applications: number }> {
    return [...this.#world.projects.values()].map((p) => ({
      projectId: p.id,
      name: p.name,
      applications: p.tasks.filter((t) => !t.deleted).length,
    }));
  }

  addUser(user: { domain: string; name: string; password: string }): void {
    this.#iam.addUser(user);
  }

  /** Registers an AK/SK pair; with `securityToken`, requests must also carry that X-Security-Token. */
  addAccessKey(accessKey: string, secretKey: string, options: { securityToken?: string } = {}): void {
    this.#iam.addAccessKey(accessKey, secretKey, options.securityToken);
  }

  /** Deletes an AK/SK pair (as an IAM user does when rotating keys): requests signed with it are refused. */
  removeAccessKey(accessKey: string): void {
    this.#iam.removeAccessKey(accessKey);
  }

  /** A valid token scoped to the simulator region's default project. */
  issueToken(): string {
    return this.#iam.issueToken(this.region);
  }

  /** Every token issued so far expires now. */
  expireTokens(): void {
    this.#iam.expireAllTokens();
  }

  createTask(spec: TaskSpec = {}): { taskId: string; appId: string } {
    const task = this.#world.createTask(spec);
    return { taskId: task.id, appId: task.appId };
  }

  /**
   * Creates `count` applications (one task each) from one spec, named `{name}-{n}` (default `app-{n}`):
   * the cheap way to fill a project with hundreds or thousands of applications.
   */
  createTasks(count: number, spec: Omit<TaskSpec, 'id'> = {}): Array<{ taskId: string; appId: string }> {
    if (!Number.isInteger(count) || count < 1)
      throw new RangeError(`count must be an integer >= 1, got ${count}`);
    const prefix = spec.name ?? 'app';
    return Array.from({ length: count }, (_, i) => this.createTask({ ...spec, name: `${prefix}-${i + 1}` }));
  }

  /** Starts a run now; throws while the task already has an unfinished run (as the API's 400 does). */
  startRun(
    taskId: string,
    script: RunScript = {},
    options: { params?: SimParam[] } = {},
  ): { recordId: string } {
    this.#world.catchUp();
    return { recordId: this.#world.startRun(taskId, script, { params: options.params ?? [] }).id };
  }

  stopRun(taskId: string, recordId: string): void {
    this.#world.stopRun(taskId, recordId);
  }

  /**
   * The script of the next run that StartDeployTask or the schedule starts for this task, e.g.
   * `{ slowStep: { step: 1, durationMs: 600_000 } }` for a run that stays in its second step ten minutes.
   */
  scriptNextRun(taskId: string, script: RunScript): void {
    this.#world.scriptNextRun(taskId, script);
  }

  /** `canExecute: false`: StartDeployTask and StopDeployTask answer this task with 403 `Deploy.00011154`. */
  setPermission(taskId: string, permission: { canExecute: boolean }): void {
    if (typeof permission?.canExecute !== 'boolean') throw new Error('canExecute must be true or false');
    this.#world.setPermission(taskId, permission);
  }

  deleteTask(taskId: string): void {
    this.#world.deleteTask(taskId);
  }

  deleteRecord(taskId: string, recordId: string): void {
    this.#world.deleteRecord(taskId, recordId);
  }

  /** Demo mode: deploys now and every `everyMs` (skipping a slot while a run is active); every `failEvery`-th run fails. */
  autoDeploy(taskId: string, options: { everyMs: number; failEvery?: number }): void {
    this.#world.autoDeploy(taskId, options);
  }

  /** Arms a response or feed fault, or acts at once (action faults). An impossible fault throws. */
  inject(fault: Fault): void {
    checkFault(fault);
    if (isResponseFault(fault) || isFeedFault(fault)) this.#faults.add(fault);
    else this.#act(fault);
  }

  clearFaults(): void {
    this.#faults.clear();
  }

  /** Armed response and feed faults with their remaining counts. */
  faults(): ReturnType<FaultBook['list']> {
    return this.#faults.list();
  }

  /** Ground truth for reliability checks: every run with its true step timeline, outcome, params and trigger. */
  runs(taskId: string): RunTruth[] {
    this.#world.catchUp();
    return this.#world.truth(taskId);
  }

  /** Every request seen so far, oldest first (live array; see `clearRequests`). */
  get requests(): readonly RequestLogEntry[] {
    return this.#log;
  }

  clearRequests(): void {
    this.#log.length = 0;
  }

  /** Tasks as the simulator holds them (deleted ones included), for the control API and demos. */
  tasks(): Array<
    Pick<SimTask, 'id' | 'appId' | 'name' | 'listing' | 'fieldTypes' | 'deleted' | 'canExecute'> & {
      projectId: string;
      steps: string[];
    }
  > {
    return [...this.#world.tasks.values()].map((t) => ({
      id: t.id,
      appId: t.appId,
      name: t.name,
      projectId: t.project.id,
      listing: t.listing,
      fieldTypes: t.fieldTypes,
      deleted: t.deleted,
      canExecute: t.canExecute,
      steps: t.steps.map((s) => s.name),
    }));
  }

  async stop(): Promise<void> {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    // Hanging requests and idle keep-alive sockets would otherwise hold close() open.
    this.#server.closeAllConnections();
    await closed;
  }

  #act(fault: ActionFault): void {
    switch (fault.kind) {
      case 'expire-tokens':
        this.#iam.expireAllTokens();
        return;
      case 'delete-task':
        this.#world.deleteTask(fault.taskId);
        return;
      case 'delete-record':
        this.#world.deleteRecord(fault.taskId, fault.recordId);
        return;
    }
  }

  // ─── HTTP pipeline ────────────────────────────────────────────────────────────────────────────

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = randomBytes(16).toString('hex');
    // Set up front so that even the last-resort error answer carries it.
    res.setHeader('X-Request-Id', requestId);
    const method = (req.method ?? 'GET').toUpperCase();
    const target = req.url ?? '/';
    const q = target.indexOf('?');
    const rawPath = q < 0 ? target : target.slice(0, q);
    const rawQuery = q < 0 ? '' : target.slice(q + 1);
    const query = new URLSearchParams(rawQuery);
    const log: RequestLogEntry = {
      at: this.clock.now(),
      method,
      path: rawPath,
      query: Object.fromEntries(query),
      auth: presentedAuth(req, rawPath),
      status: null,
      requestId,
    };
    this.#log.push(log);
    const max = this.#options.maxLogEntries ?? 100_000;
    if (this.#log.length > max) this.#log.splice(0, this.#log.length - max);

    let body: Buffer;
    try {
      body = await readBody(req);
    } catch {
      this.#send({ res, log } as Ctx, gatewayReply(413, 'APIG.0201', 'Request entity too large', requestId));
      return;
    }
    const match = this.#match(method, rawPath);
    if (match?.params.taskId !== undefined) log.taskId = match.params.taskId;
    const ctx: Ctx = {
      req,
      res,
      requestId,
      method,
      rawPath,
      rawQuery,
      query,
      body,
      log,
      target: {
        method,
        path: rawPath,
        taskId: match?.params.taskId,
        projectId: this.#projectOf(match, body),
        deploy: match?.route.kind === 'deploy',
        feed: match?.route.feed === true,
      },
    };

    if (this.#options.controlApi !== false && rawPath.startsWith('/_sim/')) {
      log.auth = 'control';
      this.#send(ctx, await this.#guard(ctx, () => handleControl(this, ctx.method, rawPath, body)));
      return;
    }

    const fault = this.#faults.take(ctx.target);
    if (fault !== null) {
      log.fault = fault.kind;
      if (fault.kind === 'hang' || fault.kind === 'slow') {
        const delayMs = fault.kind === 'slow' ? fault.delayMs : fault.afterMs;
        // Never answer: the socket stays open until the client gives up or stop() closes it.
        if (delayMs === undefined) return;
        await this.#delay(delayMs);
      } else if (fault.kind === 'flood') {
        log.status = 200;
        log.bytesSent = await streamFlood(res, {
          bytes: fault.bytes,
          declareLength: fault.declareLength !== false,
          contentType: JSON_TYPE,
          prefix: '{"status":"success","result":{"task_name":"',
        });
        return;
      } else {
        this.#send(ctx, faultReply(fault, requestId));
        return;
      }
    }
    this.#send(
      ctx,
      await this.#guard(ctx, () => {
        if (match === null) {
          throw gatewayError(404, 'APIG.0101', API_NOT_FOUND, requestId);
        }
        if (match.route.kind === 'deploy') this.#authorize(ctx);
        this.#world.catchUp();
        return match.route.handle(ctx, match.params);
      }),
    );
  }

  /** The CodeArts project a request is about, for faults scoped to a project. */
  #projectOf(
    match: { route: Route; params: Record<string, string> } | null,
    body: Buffer,
  ): string | undefined {
    if (match === null) return undefined;
    const { projectId, taskId, appId } = match.params;
    if (projectId !== undefined) return projectId;
    if (match.route.feed) {
      let parsed: unknown;
      try {
        parsed = parseJson(body);
      } catch {
        return undefined;
      }
      const named = field(parsed, 'project_id');
      return typeof named === 'string' ? named : undefined;
    }
    const id = taskId ?? appId;
    return id === undefined ? undefined : this.#world.projectOf(id);
  }

  async #guard(ctx: Ctx, fn: () => Reply | Promise<Reply>): Promise<Reply> {
    try {
      return await fn();
    } catch (error) {
      if (error instanceof SimHttpError) return { ...error.response };
      return gatewayReply(500, 'APIG.0203', `Backend failure: ${String(error)}`, ctx.requestId);
    }
  }

  #authorize(ctx: Ctx): void {
    const received: ReceivedRequest = {
      method: ctx.method,
      rawPath: ctx.rawPath,
      rawQuery: ctx.rawQuery,
      headers: ctx.req.headers,
      body: ctx.body,
    };
    const auth = this.#iam.verify(received, ctx.requestId);
    const limit = this.rateLimitPerMinute;
    if (limit === null) return;
    const key = `${auth.kind}:${auth.key}`;
    const now = this.clock.now();
    const recent = (this.#rate.get(key) ?? []).filter((t) => t > now - 60_000);
    if (recent.length >= limit) {
      this.#rate.set(key, recent);
      throw gatewayError(
        429,
        'APIG.0308',
        `The throttling threshold has been reached: policy user over ratelimit,limit:${limit},time:1 minute`,
        ctx.requestId,
      );
    }
    recent.push(now);
    this.#rate.set(key, recent);
  }

  #send(ctx: Pick<Ctx, 'res' | 'log'>, reply: Reply): void {
    const write = (): void => {
      const { res, log } = ctx;
      if (res.writableEnded || res.destroyed) return;
      const payload =
        reply.body === undefined
          ? ''
          : typeof reply.body === 'string'
            ? reply.body
            : JSON.stringify(reply.body);
      res.writeHead(reply.status, {
        'X-Request-Id': log.requestId,
        ...(reply.body === undefined ? {} : { 'Content-Type': reply.contentType ?? JSON_TYPE }),
        'Content-Length': String(Buffer.byteLength(payload)),
        ...reply.headers,
      });
      res.end(payload);
      log.status = reply.status;
      this.#options.onRequest?.(log);
    };
    if (this.latencyMs > 0 && ctx.log.auth !== 'control') {
      void this.#delay(this.latencyMs).then(write);
    } else {
      write();
    }
  }

  /** A real-time delay that stop() cancels (it then never resolves, which is what a closed server means). */
  #delay(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#timers.delete(timer);
        resolve();
      }, ms);
      this.#timers.add(timer);
    });
  }

  #match(method: string, rawPath: string): { route: Route; params: Record<string, string> } | null {
    const segments = rawPath.split('/').slice(1).map(safeDecode);
    for (const route of this.#routes) {
      if (route.method !== method || route.segments.length !== segments.length) continue;
      const params: Record<string, string> = {};
      const ok = route.segments.every((pattern, i) => {
        const actual = segments[i] ?? '';
        if (pattern.startsWith(':')) {
          params[pattern.slice(1)] = actual;
          return actual !== '';
        }
        return pattern === actual;
      });
      if (ok) return { route, params };
    }
    return null;
  }

  // ─── Routes ───────────────────────────────────────────────────────────────────────────────────

  #buildRoutes(): Route[] {
    const r = (method: string, path: string, kind: RouteKind, handle: Route['handle']): Route => ({
      method,
      segments: path.split('/').slice(1),
      kind,
      handle,
    });
    /** A Deploy API route answered by DeployApi. */
    const d = (method: string, path: string, handle: (call: DeployCall) => Reply, feed = false): Route => ({
      ...r(method, path, 'deploy', (ctx, params) => handle(this.#deployCall(ctx, params))),
      feed,
    });
    const api = this.#deploy;
    return [
      r('POST', IAM_TOKENS_PATH, 'iam', (ctx) => this.#createToken(ctx)),
      d('GET', '/v2/tasks/:taskId/state', (c) => api.state(c)),
      d('POST', '/v2/tasks/:taskId/start', (c) => api.start(c)),
      d('PUT', '/v2/tasks/:taskId/records/:recordId/stop', (c) => api.stop(c)),
      d('GET', '/v2/tasks/:taskId', (c) => api.taskDetail(c)),
      d('GET', '/v2/:projectId/tasks/list', (c) => api.listTasks(c)),
      d('GET', '/v2/:projectId/task/:taskId/history', (c) => api.history(c)),
      d('GET', '/v2/history/tasks/:taskId/params', (c) => api.params(c)),
      d('POST', '/v1/applications/list', (c) => api.listApps(c), true),
      d('GET', '/v1/applications/:appId/info', (c) => api.appInfo(c)),
    ];
  }

  #deployCall(ctx: Ctx, params: Record<string, string>): DeployCall {
    return {
      params,
      query: ctx.query,
      body: ctx.body,
      requestId: ctx.requestId,
      target: ctx.target,
      applied: (kind) => {
        ctx.log.fault = kind;
      },
    };
  }

  #createToken(ctx: Ctx): Reply {
    const bad = (message: string): SimHttpError =>
      new SimHttpError({ status: 400, body: { error: { code: 400, title: 'Bad Request', message } } });
    const body = parseJson(ctx.body);
    const auth = field(body, 'auth');
    const identity = field(auth, 'identity');
    const methods = field(identity, 'methods');
    const user = field(field(identity, 'password'), 'user');
    const domain = str(field(field(user, 'domain'), 'name'));
    const name = str(field(user, 'name'));
    const password = str(field(user, 'password'));
    if (!Array.isArray(methods) || !methods.includes('password'))
      throw bad('Invalid input for field identity.methods');
    if (domain === undefined || name === undefined || password === undefined) {
      throw bad('Invalid input for field identity.password.user');
    }
    const known = this.#iam.authenticate(domain, name, password);
    if (known === null) {
      throw new SimHttpError({
        status: 401,
        body: { error: { code: 401, title: 'Unauthorized', message: 'The username or password is wrong.' } },
      });
    }
    const scope = field(auth, 'scope');
    const project = field(scope, 'project');
    const projectName = str(field(project, 'name'));
    if (project !== undefined && projectName === undefined)
      throw bad('Invalid input for field scope.project.name');
    const issued = this.#iam.issue(known, projectName ?? null);
    const body201 = issued.body.token as Record<string, unknown>;
    if (!ctx.query.get('nocatalog')) body201.catalog = [];
    return { status: 201, body: issued.body, headers: { 'X-Subject-Token': issued.token } };
  }
}

// ─── Helpers ──────────────────────────────────────────────────────────────────────────────────────

const presentedAuth = (req: IncomingMessage, rawPath: string): AuthKind => {
  if (rawPath === IAM_TOKENS_PATH) return 'password';
  if (req.headers['x-auth-token']) return 'token';
  if (req.headers.authorization?.trim().startsWith('SDK-HMAC-SHA256')) return 'aksk';
  return 'none';
};

const readBody = async (req: IncomingMessage): Promise<Buffer> => {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > MAX_BODY_BYTES) throw new Error('too large');
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
};

const safeDecode = (text: string): string => {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
};
