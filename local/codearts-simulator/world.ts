// local/codearts-simulator → the simulated CodeArts project: tasks (with their applications), runs
// and their wire views. No HTTP here; the views are what the Deploy API returns, computed from the
// clock at the moment of the call.
import { deployError, MSG } from './errors.js';
import type { IdRegistry } from './ids.js';
import { formatDuration, formatLocal } from './time.js';
import {
  endAt,
  isFinished,
  logOffset,
  outcomeOf,
  planRun,
  type RunOutcome,
  type RunPlan,
  type RunScript,
  type SimRunStatus,
  type StepSpec,
  type StepTruth,
  statusAt,
  stepsAt,
  stepTruth,
} from './timeline.js';

export type StepListing = 'all' | 'reached';
export type FieldTypes = 'sdk' | 'strings';

export interface TaskSpec {
  id?: string;
  name?: string;
  /** Step names/specs, or a number of steps with stock names. Default: 3 steps. */
  steps?: Array<string | { name: string; enabled?: boolean; durationMs?: number; faqUrl?: string }> | number;
  /** 'all': every step listed from the start; 'reached': steps appear as the run reaches them. Default 'all'. */
  listing?: StepListing;
  /** 'sdk': StepInfo numbers/booleans as JSON numbers/booleans; 'strings': every field a string. Default 'sdk'. */
  fieldTypes?: FieldTypes;
  /** Divides every duration of this task's runs (2 = twice as fast). Default 1. */
  speed?: number;
}

export interface SimRun {
  id: string;
  taskId: string;
  releaseId: number;
  plan: RunPlan;
  executor: string;
  nickName: string;
  type: 'deploy' | 'rollback';
  jobName: string;
  params: Array<{ name: string; type: string; value: string }>;
  deleted: boolean;
}

export interface SimTask {
  id: string;
  appId: string;
  name: string;
  steps: StepSpec[];
  listing: StepListing;
  fieldTypes: FieldTypes;
  speed: number;
  createdAt: number;
  deleted: boolean;
  runs: SimRun[];
  nextReleaseId: number;
  auto: { everyMs: number; failEvery: number; anchor: number; slots: number; created: number } | null;
}

/** Ground truth of one run, for reliability checks: its real timeline, however the API reports it. */
export interface RunTruth {
  taskId: string;
  recordId: string;
  releaseId: number;
  executor: string;
  type: 'deploy' | 'rollback';
  createdAt: number;
  /** When the first step starts (end of `pending`). */
  runningAt: number;
  /** When the run ends (or will end, if nothing stops it). */
  endsAt: number;
  /** Status as of now. */
  status: SimRunStatus;
  /** How it ends (or will end). */
  outcome: RunOutcome;
  finished: boolean;
  deleted: boolean;
  steps: StepTruth[];
}

const STOCK_STEP_NAMES = [
  'Select Deployment Source',
  'Stop Tomcat',
  'Install JDK',
  'Start Spring Boot Service',
  'Health Test via URL',
  'Run Shell Commands',
  'Copy File',
  'Start Nginx',
];

export const DEFAULT_STEP_MS = 10_000;
export const DEFAULT_EXECUTOR = 'devcloud_test';
export const DEFAULT_NICK_NAME = 'A/B side account';
const DEFAULT_FAQ_URL = 'https://support.huaweicloud.com/intl/en-us/deployman_faq/deployman_faq_1001.html';

export interface WorldOptions {
  ids: IdRegistry;
  region: string;
  utcOffsetMinutes: number;
  now: () => number;
}

export class World {
  readonly projectId: string;
  readonly projectName = 'Demo';
  readonly tasks = new Map<string, SimTask>();
  readonly #apps = new Map<string, SimTask>();
  readonly #o: WorldOptions;

  constructor(options: WorldOptions) {
    this.#o = options;
    this.projectId = options.ids.next('project');
  }

  get region(): string {
    return this.#o.region;
  }

  // ─── Mutations ────────────────────────────────────────────────────────────────────────────────

  createTask(spec: TaskSpec = {}): SimTask {
    const id = spec.id === undefined ? this.#o.ids.next('task') : this.#o.ids.claim('task', spec.id);
    const appId = this.#o.ids.next('app');
    const speed = spec.speed ?? 1;
    if (!(speed > 0) || !Number.isFinite(speed)) throw new RangeError(`speed must be > 0, got ${speed}`);
    const task: SimTask = {
      id,
      appId,
      name: spec.name ?? `task-${this.tasks.size + 1}`,
      steps: toSteps(spec.steps),
      listing: spec.listing ?? 'all',
      fieldTypes: spec.fieldTypes ?? 'sdk',
      speed,
      createdAt: this.#o.now(),
      deleted: false,
      runs: [],
      nextReleaseId: 1,
      auto: null,
    };
    this.tasks.set(id, task);
    this.#apps.set(appId, task);
    return task;
  }

  /** Starts a run now (or at `at`, for scheduled runs). Throws a 400 `Deploy.00011027` while one is active. */
  startRun(
    taskId: string,
    script: RunScript = {},
    extra: { at?: number; type?: 'deploy' | 'rollback'; params?: SimRun['params'] } = {},
  ): SimRun {
    const task = this.requireTask(taskId);
    const at = extra.at ?? this.#o.now();
    const latest = this.latestRun(task);
    if (latest !== undefined && !isFinished(latest.plan, at)) {
      throw deployError(400, 'Deploy.00011027', MSG.running);
    }
    const run: SimRun = {
      id: this.#o.ids.next('record'),
      taskId,
      releaseId: task.nextReleaseId++,
      plan: planRun(task.steps, script, at, task.speed),
      executor: script.executor ?? DEFAULT_EXECUTOR,
      nickName: DEFAULT_NICK_NAME,
      type: extra.type ?? 'deploy',
      jobName: `job_${this.#o.ids.next('record').slice(0, 6)}`,
      params: extra.params ?? [],
      deleted: false,
    };
    task.runs.push(run);
    return run;
  }

  /** Stops a run: a queued one ends `not_started`, a running one `abort`; a finished one is left alone. */
  stopRun(taskId: string, recordId: string): SimRun {
    const run = this.requireRun(this.requireTask(taskId), recordId);
    const now = this.#o.now();
    if (!isFinished(run.plan, now) && now >= run.plan.createdAt) run.plan.stoppedAt = now;
    return run;
  }

  deleteTask(taskId: string): void {
    this.requireTask(taskId).deleted = true;
  }

  deleteRecord(taskId: string, recordId: string): void {
    this.requireRun(this.requireTask(taskId), recordId).deleted = true;
  }

  /** Keeps deploying on a schedule (first run now); every `failEvery`-th run fails at a rotating step. */
  autoDeploy(taskId: string, options: { everyMs: number; failEvery?: number }): void {
    const task = this.requireTask(taskId);
    if (!(options.everyMs > 0)) throw new RangeError('everyMs must be > 0');
    const failEvery = options.failEvery ?? 0;
    task.auto = { everyMs: options.everyMs, failEvery, anchor: this.#o.now(), slots: 0, created: 0 };
    this.catchUp();
  }

  /** Materialises every scheduled run that is due by now, each created at its own scheduled time. */
  catchUp(): void {
    const now = this.#o.now();
    for (const task of this.tasks.values()) {
      const auto = task.auto;
      if (auto === null || task.deleted) continue;
      const due = Math.floor((now - auto.anchor) / auto.everyMs) + 1;
      // A clock jump of years would otherwise create millions of runs; keep the recent ones.
      if (due - auto.slots > 1000) auto.slots = due - 1000;
      for (; auto.slots < due; auto.slots++) {
        const at = auto.anchor + auto.slots * auto.everyMs;
        const latest = this.latestRun(task);
        if (latest !== undefined && !isFinished(latest.plan, at)) continue;
        auto.created += 1;
        this.startRun(task.id, scheduledScript(task, auto.created, auto.failEvery), { at });
      }
    }
  }

  // ─── Lookups ──────────────────────────────────────────────────────────────────────────────────

  /** A live task, or a 404 `Deploy.00011020`. */
  requireTask(taskId: string): SimTask {
    const task = this.tasks.get(taskId);
    if (task === undefined || task.deleted) throw deployError(404, 'Deploy.00011020', MSG.noTask);
    return task;
  }

  requireApp(appId: string): SimTask {
    const task = this.#apps.get(appId);
    if (task === undefined || task.deleted) throw deployError(404, 'Deploy.00011020', MSG.noTask);
    return task;
  }

  /** A live record of the task, or a 404 `Deploy.00011303` (text/html when asked, as seen live). */
  requireRun(task: SimTask, recordId: string, options: { status?: number; html?: boolean } = {}): SimRun {
    const run = task.runs.find((r) => r.id === recordId && !r.deleted);
    if (run === undefined) {
      throw deployError(options.status ?? 404, 'Deploy.00011303', MSG.noRecord, {
        html: options.html ?? false,
      });
    }
    return run;
  }

  /** The newest live record that has been created by now. */
  latestRun(task: SimTask): SimRun | undefined {
    const now = this.#o.now();
    for (let i = task.runs.length - 1; i >= 0; i--) {
      const run = task.runs[i];
      if (run !== undefined && !run.deleted && run.plan.createdAt <= now) return run;
    }
    return undefined;
  }

  liveTasks(): SimTask[] {
    return [...this.tasks.values()].filter((t) => !t.deleted);
  }

  truth(taskId: string): RunTruth[] {
    const task = this.tasks.get(taskId);
    if (task === undefined) throw new Error(`no task ${taskId}`);
    const now = this.#o.now();
    return task.runs.map((run) => ({
      taskId,
      recordId: run.id,
      releaseId: run.releaseId,
      executor: run.executor,
      type: run.type,
      createdAt: run.plan.createdAt,
      runningAt: run.plan.runningAt,
      endsAt: endAt(run.plan),
      status: statusAt(run.plan, now),
      outcome: outcomeOf(run.plan),
      finished: isFinished(run.plan, now),
      deleted: run.deleted,
      steps: stepTruth(run.plan, now),
    }));
  }

  // ─── Wire views ───────────────────────────────────────────────────────────────────────────────

  #time(ms: number): string {
    return formatLocal(ms, this.#o.utcOffsetMinutes);
  }

  /** StateInfo of `/v2/tasks/{id}/state`. */
  stateInfo(task: SimTask, run: SimRun, withSteps: boolean): Record<string, unknown> {
    const now = this.#o.now();
    const finished = isFinished(run.plan, now);
    const info: Record<string, unknown> = {
      record_id: run.id,
      task_id: task.id,
      nick_name: run.nickName,
      status: statusAt(run.plan, now),
      step: finished ? 'finish' : 'running',
      start_time: this.#time(run.plan.createdAt),
      end_time: finished ? this.#time(endAt(run.plan)) : '',
      executor: run.executor,
      task_name: task.name,
    };
    if (withSteps) info.step_state = this.#stepInfos(task, run, now);
    return info;
  }

  #stepInfos(task: SimTask, run: SimRun, now: number): Array<Record<string, unknown>> {
    const outcome = outcomeOf(run.plan);
    const failed = isFinished(run.plan, now) && (outcome === 'failed' || outcome === 'timeout');
    const asType = task.fieldTypes === 'strings' ? String : <T>(v: T): T => v;
    return stepsAt(run.plan, now)
      .filter((view) => task.listing === 'all' || view.reached)
      .map(({ step, reached, elapsedMs }) => ({
        region: this.#o.region,
        id: asType(step.index + 1),
        offset: asType(0),
        enable: asType(step.enabled),
        name: step.name,
        current_offset: asType(logOffset(elapsedMs, reached && step.enabled)),
        elapsed_time: asType(Math.floor(elapsedMs / 1000)),
        faq_url: failed && step.index === run.plan.failIndex ? step.faqUrl : '',
      }));
  }

  #runDuration(run: SimRun): string {
    const now = this.#o.now();
    return formatDuration(Math.min(now, endAt(run.plan)) - run.plan.createdAt);
  }

  /** One ExecuteRecordV2Body of the history API. */
  historyRecord(run: SimRun): Record<string, unknown> {
    const now = this.#o.now();
    return {
      execution_id: run.id,
      state: statusAt(run.plan, now),
      duration: this.#runDuration(run),
      operator: run.executor,
      nickname: run.nickName,
      start_time: this.#time(run.plan.createdAt),
      end_time: isFinished(run.plan, now) ? this.#time(endAt(run.plan)) : '',
      release_id: run.releaseId,
      type: run.type,
    };
  }

  #stepsMap(task: SimTask): Record<string, unknown> {
    return Object.fromEntries(
      task.steps.map((step, i) => [
        `step${i + 1}`,
        { id: `step${i + 1}`, name: step.name, params: {}, enable: step.enabled },
      ]),
    );
  }

  #execution(task: SimTask): Record<string, unknown> {
    const run = this.latestRun(task);
    if (run === undefined) {
      return {
        execution_state: 'not_executed',
        execution_time: '',
        end_time: '',
        duration: '',
        release_id: 0,
      };
    }
    const now = this.#o.now();
    return {
      execution_state: statusAt(run.plan, now),
      execution_time: this.#time(run.plan.createdAt),
      end_time: isFinished(run.plan, now) ? this.#time(endAt(run.plan)) : '',
      duration: this.#runDuration(run),
      release_id: run.releaseId,
    };
  }

  /** TaskInfo: the flat `GET /v2/tasks/{id}` body and the items of the legacy task list. */
  taskInfo(task: SimTask): Record<string, unknown> {
    const { end_time: _end, ...execution } = this.#execution(task);
    const latest = this.latestRun(task);
    return {
      task_id: task.id,
      id: task.id,
      name: task.name,
      app_id: task.appId,
      project_id: this.projectId,
      project_name: this.projectName,
      template_id: '',
      description: '',
      deploy_system: 'deployTemplate',
      state: 'Available',
      ...execution,
      executor_id: '',
      executor_nick_name: latest?.nickName ?? '',
      steps: this.#stepsMap(task),
      app_component_list: [],
      slave_cluster_id: '',
      owner: DEFAULT_EXECUTOR,
      nick_name: DEFAULT_NICK_NAME,
      owner_id: '',
      tenant_id: '',
      tenant_name: '',
      is_defaut_permission: true,
      is_care: false,
      is_disable: false,
      can_modify: true,
      can_delete: true,
      can_view: true,
      can_execute: true,
      can_copy: true,
      can_manage: true,
      can_create_env: true,
      can_disable: true,
      role_id: -1,
      create_time: this.#time(task.createdAt),
      update_time: this.#time(latest?.plan.createdAt ?? task.createdAt),
    };
  }

  #permissions(): Record<string, boolean> {
    return {
      is_care: false,
      can_modify: true,
      can_delete: true,
      can_view: true,
      can_execute: true,
      can_copy: true,
      can_manage: true,
      can_create_env: true,
      can_disable: true,
    };
  }

  #arrangeInfo(task: SimTask): Record<string, unknown> {
    return { id: task.id, state: 'Available', deploy_system: 'deployTemplate' };
  }

  /** AppExecutionInfo of `POST /v1/applications/list`. */
  appExecutionInfo(task: SimTask): Record<string, unknown> {
    const execution = this.#execution(task);
    const latest = this.latestRun(task);
    return {
      id: task.appId,
      name: task.name,
      project_id: this.projectId,
      project_name: this.projectName,
      deploy_system: 'deployTemplate',
      create_time: this.#time(task.createdAt),
      update_time: this.#time(task.createdAt),
      duration: execution.duration,
      execution_time: execution.execution_time,
      end_time: execution.end_time,
      execution_state: execution.execution_state,
      release_id: execution.release_id,
      executor_id: '',
      executor_nick_name: latest?.nickName ?? '',
      create_user_id: '',
      create_tenant_id: '',
      is_disable: false,
      ...this.#permissions(),
      arrange_infos: [this.#arrangeInfo(task)],
    };
  }

  /** AppDetailInfo of `GET /v1/applications/{app_id}/info`. */
  appDetail(task: SimTask): Record<string, unknown> {
    const latest = this.latestRun(task);
    return {
      id: task.appId,
      name: task.name,
      region: this.#o.region,
      description: '',
      is_disable: false,
      create_type: 'template',
      project_id: this.projectId,
      project_name: this.projectName,
      slave_cluster_id: '',
      ...this.#permissions(),
      owner_tenant_id: '',
      create_user_id: '',
      create_tenant_id: '',
      create_time: this.#time(task.createdAt),
      update_time: this.#time(task.createdAt),
      permission_level: 'instance',
      arrange_infos: [
        {
          ...this.#arrangeInfo(task),
          name: task.name,
          steps: this.#stepsMap(task),
          release_id: latest?.releaseId ?? 0,
          app_id: task.appId,
        },
      ],
    };
  }
}

const toSteps = (steps: TaskSpec['steps']): StepSpec[] => {
  const list =
    steps === undefined || typeof steps === 'number'
      ? Array.from(
          { length: steps ?? 3 },
          (_, i) => STOCK_STEP_NAMES[i % STOCK_STEP_NAMES.length] ?? `Step ${i + 1}`,
        )
      : steps;
  if (list.length === 0) throw new Error('a task needs at least one step');
  return list.map((step) => {
    const spec = typeof step === 'string' ? { name: step } : step;
    const durationMs = spec.durationMs ?? DEFAULT_STEP_MS;
    if (!(durationMs > 0)) throw new RangeError(`step durationMs must be > 0: ${spec.name}`);
    return {
      name: spec.name,
      enabled: spec.enabled ?? true,
      durationMs,
      faqUrl: spec.faqUrl ?? DEFAULT_FAQ_URL,
    };
  });
};

/** The n-th scheduled run (1-based): every `failEvery`-th fails, at a step that rotates through the enabled ones. */
const scheduledScript = (task: SimTask, n: number, failEvery: number): RunScript => {
  if (failEvery <= 0 || n % failEvery !== 0) return { outcome: 'succeeded' };
  const enabled = task.steps.flatMap((s, i) => (s.enabled ? [i] : []));
  const failAtStep = enabled[Math.floor(n / failEvery) % enabled.length];
  return failAtStep === undefined ? { outcome: 'succeeded' } : { outcome: 'failed', failAtStep };
};
