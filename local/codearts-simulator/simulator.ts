// local/codearts-simulator → a local stand-in for Huawei Cloud CodeArts Deploy and its IAM, over
// real HTTP (codearts-api.md §8). One server answers IAM, the Deploy API and a small `/_sim/`
// control API. Run state is a pure function of the simulator clock; faults break chosen calls.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { streamFlood } from '../flood.js';
import type { ReceivedRequest } from './aksk.js';
import { type SimClock, SystemClock } from './clock.js';
import { handleControl } from './control.js';
import { deployError, gatewayError, MSG, paramError, SimHttpError } from './errors.js';
import { type ActionFault, type Fault, FaultBook, isResponseFault, type ResponseFault } from './faults.js';
import { Iam } from './iam.js';
import { IdRegistry } from './ids.js';
import { DEFAULT_UTC_OFFSET_MINUTES, parseDay } from './time.js';
import type { RunScript } from './timeline.js';
import { type RunTruth, type SimTask, type TaskSpec, World } from './world.js';

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
  /** The injected fault that answered it, if any. */
  fault?: ResponseFault['kind'];
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
}

type RouteKind = 'deploy' | 'iam' | 'control';

interface Route {
  method: string;
  segments: string[];
  kind: RouteKind;
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
    this.#world = new World({
      ids: this.#ids,
      region: this.region,
      utcOffsetMinutes: options.utcOffsetMinutes ?? DEFAULT_UTC_OFFSET_MINUTES,
      now,
    });
    this.#iam = new Iam(this.#ids, now);
    this.#routes = this.#buildRoutes();
  }

  static async start(options: SimulatorOptions = {}): Promise<CodeArtsSimulator> {
    const host = options.host ?? '127.0.0.1';
    const server = createServer();
    server.keepAliveTimeout = 5000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const { port } = server.address() as AddressInfo;
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

  /** The CodeArts project every task belongs to (the `{project_id}` of list/history paths). */
  get projectId(): string {
    return this.#world.projectId;
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

  /** Starts a run now; throws while the task already has an unfinished run (as the API's 400 does). */
  startRun(taskId: string, script: RunScript = {}): { recordId: string } {
    this.#world.catchUp();
    return { recordId: this.#world.startRun(taskId, script).id };
  }

  stopRun(taskId: string, recordId: string): void {
    this.#world.stopRun(taskId, recordId);
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

  inject(fault: Fault): void {
    if (isResponseFault(fault)) this.#faults.add(fault);
    else this.#act(fault);
  }

  clearFaults(): void {
    this.#faults.clear();
  }

  /** Armed response faults with their remaining counts. */
  faults(): ReturnType<FaultBook['list']> {
    return this.#faults.list();
  }

  /** Ground truth for reliability checks: every run with its true step timeline and outcome. */
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
    Pick<SimTask, 'id' | 'appId' | 'name' | 'listing' | 'fieldTypes' | 'deleted'> & { steps: string[] }
  > {
    return [...this.#world.tasks.values()].map((t) => ({
      id: t.id,
      appId: t.appId,
      name: t.name,
      listing: t.listing,
      fieldTypes: t.fieldTypes,
      deleted: t.deleted,
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
    const ctx: Ctx = { req, res, requestId, method, rawPath, rawQuery, query, body, log };

    if (this.#options.controlApi !== false && rawPath.startsWith('/_sim/')) {
      log.auth = 'control';
      this.#send(ctx, await this.#guard(ctx, () => handleControl(this, ctx.method, rawPath, body)));
      return;
    }

    const match = this.#match(method, rawPath);
    if (match?.params.taskId !== undefined) log.taskId = match.params.taskId;
    const fault = this.#faults.take({
      method,
      path: rawPath,
      taskId: match?.params.taskId,
      deploy: match?.route.kind === 'deploy',
    });
    if (fault !== null) {
      log.fault = fault.kind;
      if (fault.kind === 'hang') {
        // Never answer: the socket stays open until the client gives up or stop() closes it.
        if (fault.afterMs === undefined) return;
        await this.#delay(fault.afterMs);
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
          throw gatewayError(
            404,
            'APIG.0101',
            'The API does not exist or has not been published in the environment',
            requestId,
          );
        }
        if (match.route.kind === 'deploy') this.#authorize(ctx);
        this.#world.catchUp();
        return match.route.handle(ctx, match.params);
      }),
    );
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
    return [
      r('POST', IAM_TOKENS_PATH, 'iam', (ctx) => this.#createToken(ctx)),
      r('GET', '/v2/tasks/:taskId/state', 'deploy', (ctx, p) => this.#state(ctx, p)),
      r('POST', '/v2/tasks/:taskId/start', 'deploy', (ctx, p) => this.#start(ctx, p)),
      r('PUT', '/v2/tasks/:taskId/records/:recordId/stop', 'deploy', (_, p) => this.#stop(p)),
      r('GET', '/v2/tasks/:taskId', 'deploy', (_, p) =>
        ok(this.#world.taskInfo(this.#world.requireTask(need(p.taskId)))),
      ),
      r('GET', '/v2/:projectId/tasks/list', 'deploy', (ctx, p) => this.#listTasks(ctx, p)),
      r('GET', '/v2/:projectId/task/:taskId/history', 'deploy', (ctx, p) => this.#history(ctx, p)),
      r('GET', '/v2/history/tasks/:taskId/params', 'deploy', (ctx, p) => this.#params(ctx, p)),
      r('POST', '/v1/applications/list', 'deploy', (ctx) => this.#listApps(ctx)),
      r('GET', '/v1/applications/:appId/info', 'deploy', (_, p) =>
        ok({ status: 'success', result: this.#world.appDetail(this.#world.requireApp(need(p.appId))) }),
      ),
    ];
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

  #state(ctx: Ctx, p: Record<string, string>): Reply {
    const task = this.#world.requireTask(need(p.taskId));
    const recordId = ctx.query.get('record_id');
    const html = this.#options.recordGoneAsHtml !== false;
    const run =
      recordId !== null && recordId !== ''
        ? this.#world.requireRun(task, recordId, { html })
        : this.#world.latestRun(task);
    if (run === undefined) throw deployError(404, 'Deploy.00011303', MSG.noRecord, { html });
    const withSteps = ctx.query.get('step_state')?.toLowerCase() !== 'false';
    return ok({ status: 'success', result: this.#world.stateInfo(task, run, withSteps) });
  }

  #start(ctx: Ctx, p: Record<string, string>): Reply {
    const task = this.#world.requireTask(need(p.taskId));
    const body = ctx.body.length === 0 ? {} : parseJson(ctx.body);
    if (body === undefined || typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw paramError('Param invalid');
    }
    const params = parseParams(field(body, 'params'));
    const rollbackTo = str(field(body, 'record_id'));
    if (rollbackTo !== undefined) this.#world.requireRun(task, rollbackTo);
    const run = this.#world.startRun(
      task.id,
      {},
      { type: rollbackTo === undefined ? 'deploy' : 'rollback', params },
    );
    return ok({ id: run.id, task_id: task.id, job_name: run.jobName, app_component_list: [] });
  }

  #stop(p: Record<string, string>): Reply {
    const run = this.#world.stopRun(need(p.taskId), need(p.recordId));
    return ok({ status: 'success', result: { id: run.id, task_id: run.taskId } });
  }

  #requireProject(projectId: string): void {
    if (projectId !== this.#world.projectId) throw deployError(404, 'Deploy.00016902', MSG.noProject);
  }

  #listTasks(ctx: Ctx, p: Record<string, string>): Reply {
    this.#requireProject(need(p.projectId));
    const page = intParam(ctx.query.get('page') ?? '1', 1, 99_999);
    const size = intParam(ctx.query.get('size') ?? '10', 1, 100);
    const tasks = this.#world.liveTasks().reverse();
    return ok({
      total_num: tasks.length,
      result: tasks.slice((page - 1) * size, page * size).map((t) => this.#world.taskInfo(t)),
    });
  }

  #history(ctx: Ctx, p: Record<string, string>): Reply {
    for (const name of ['page', 'size', 'start_date', 'end_date']) {
      if (!ctx.query.get(name)) {
        throw gatewayError(
          400,
          'APIG.0106',
          `Orchestration error: query parameter ${name} is missing`,
          ctx.requestId,
        );
      }
    }
    this.#requireProject(need(p.projectId));
    const page = intParam(ctx.query.get('page') ?? '', 1, 99_999);
    const size = intParam(ctx.query.get('size') ?? '', 1, 100);
    const start = parseDay(ctx.query.get('start_date') ?? '');
    const end = parseDay(ctx.query.get('end_date') ?? '');
    const min = Date.UTC(1970, 0, 1);
    const max = Date.UTC(2125, 11, 30);
    if (
      start === null ||
      end === null ||
      start < min ||
      end > max ||
      end < start ||
      end - start > 30 * 86_400_000
    ) {
      throw paramError(
        'Param invalid: start_date/end_date (yyyy-MM-dd, end on or after start, at most 30 days)',
      );
    }
    const task = this.#world.requireTask(need(p.taskId));
    const offset = this.#options.utcOffsetMinutes ?? DEFAULT_UTC_OFFSET_MINUTES;
    const now = this.clock.now();
    const runs = task.runs
      .filter((run) => {
        if (run.deleted || run.plan.createdAt > now) return false;
        const day = Math.floor((run.plan.createdAt + offset * 60_000) / 86_400_000) * 86_400_000;
        return day >= start && day <= end;
      })
      .reverse();
    return ok({
      result: runs.slice((page - 1) * size, page * size).map((run) => this.#world.historyRecord(run)),
      total_num: runs.length,
    });
  }

  #params(ctx: Ctx, p: Record<string, string>): Reply {
    const recordId = ctx.query.get('record_id');
    if (!recordId) {
      throw gatewayError(
        400,
        'APIG.0106',
        'Orchestration error: query parameter record_id is missing',
        ctx.requestId,
      );
    }
    const task = this.#world.requireTask(need(p.taskId));
    // Observed: this API reports an unknown record with 400, not 404.
    return ok(this.#world.requireRun(task, recordId, { status: 400 }).params);
  }

  #listApps(ctx: Ctx): Reply {
    const body = parseJson(ctx.body);
    const projectId = str(field(body, 'project_id'));
    const page = field(body, 'page');
    const size = field(body, 'size');
    if (projectId === undefined || !isInt(page, 1, 99_999) || !isInt(size, 1, 100)) {
      throw paramError('Param invalid: project_id, page (>= 1) and size (1-100) are required');
    }
    this.#requireProject(projectId);
    const states = field(body, 'states');
    const wanted = Array.isArray(states) ? new Set(states.map(String)) : null;
    let apps = this.#world.liveTasks().map((t) => this.#world.appExecutionInfo(t));
    if (wanted !== null) apps = apps.filter((a) => wanted.has(String(a.execution_state)));
    const sortName = str(field(body, 'sort_name'));
    const desc = str(field(body, 'sort_by'))?.toUpperCase() !== 'ASC';
    const key = sortName === 'name' ? 'name' : 'execution_time';
    apps.sort((a, b) => {
      const order = String(a[key]).localeCompare(String(b[key]));
      return desc ? -order : order;
    });
    return ok({ total_num: apps.length, result: apps.slice((page - 1) * size, page * size) });
  }
}

// ─── Helpers ──────────────────────────────────────────────────────────────────────────────────────

const ok = (body: unknown): Reply => ({ status: 200, body });

const gatewayReply = (status: number, code: string, message: string, requestId: string): Reply => ({
  ...gatewayError(status, code, message, requestId).response,
});

const faultReply = (fault: Exclude<ResponseFault, { kind: 'hang' | 'flood' }>, requestId: string): Reply => {
  switch (fault.kind) {
    case 'unauthorized':
      return gatewayReply(
        401,
        'APIG.0301',
        fault.message ?? 'Incorrect IAM authentication information: decrypt token fail',
        requestId,
      );
    case 'throttle':
      return {
        ...gatewayReply(
          429,
          'APIG.0308',
          'The throttling threshold has been reached: policy user over ratelimit,limit:60,time:1 minute',
          requestId,
        ),
        ...(fault.retryAfterSeconds === undefined
          ? {}
          : { headers: { 'Retry-After': String(fault.retryAfterSeconds) } }),
      };
    case 'server-error':
      return gatewayReply(
        fault.status ?? 500,
        fault.code ?? 'APIG.0203',
        fault.message ?? 'Backend unavailable',
        requestId,
      );
    case 'html': {
      const status = fault.status ?? 502;
      return {
        status,
        contentType: 'text/html; charset=UTF-8',
        body: `<html>\r\n<head><title>${status} Bad Gateway</title></head>\r\n<body>\r\n<center><h1>${status} Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`,
      };
    }
    case 'malformed-json':
      return { status: fault.status ?? 200, body: '{"status":"success","result":{"record_id":"' };
    case 'wrong-shape':
      return {
        status: fault.status ?? 200,
        body: JSON.stringify(fault.body ?? { status: 'success', data: { unexpected: true } }),
      };
  }
};

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

/** Route params are always present once matched; this only satisfies the type checker. */
const need = (value: string | undefined): string => value ?? '';

const parseJson = (body: Buffer): unknown => {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw paramError('Param invalid: the body is not valid JSON');
  }
};

const field = (value: unknown, key: string): unknown =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)[key]
    : undefined;

const str = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined;

const isInt = (value: unknown, min: number, max: number): value is number =>
  typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;

const intParam = (text: string, min: number, max: number): number => {
  const value = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!isInt(value, min, max)) throw paramError(`Param invalid: ${text} is not an integer in ${min}-${max}`);
  return value;
};

const PARAM_TYPES = new Set(['text', 'host_group', 'encrypt', 'enum']);

/** EnvExecutionBody.params → what ShowExecutionParams later returns. */
const parseParams = (value: unknown): Array<{ name: string; type: string; value: string }> => {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw paramError('Param invalid: params must be an array');
  return value.map((item) => {
    const key = field(item, 'key');
    const val = field(item, 'value');
    const type = field(item, 'type');
    if (
      typeof key !== 'string' ||
      !/^[A-Za-z0-9\-_.]{1,128}$/.test(key) ||
      typeof val !== 'string' ||
      val.length > 8192 ||
      /\{\{|\{%|\{#/.test(val) ||
      (type !== undefined && (typeof type !== 'string' || !PARAM_TYPES.has(type)))
    ) {
      throw paramError('Param invalid: params[] needs key, value and type');
    }
    return { name: key, type: typeof type === 'string' ? type : 'text', value: val };
  });
};
