// local/codearts-simulator → the simulated CodeArts tenant: projects, their applications (one deployment
// task each) and the tasks' runs. No HTTP here and no wire format (see views.ts); every answer is computed
// from this state and the clock at the moment of the call.
import { deployError, MSG } from './errors.js';
import type { IdRegistry } from './ids.js';
import {
  endAt,
  isFinished,
  outcomeOf,
  planRun,
  type RunPlan,
  type RunScript,
  type SimRunStatus,
  type StepSpec,
  type StepTruth,
  statusAt,
  stepTruth,
} from './timeline.js';

export type StepListing = 'all' | 'reached';
export type FieldTypes = 'sdk' | 'strings';

/** One execution parameter as ShowExecutionParams reports it. */
export interface SimParam {
  name: string;
  type: string;
  value: string;
}

export interface TaskSpec {
  id?: string;
  name?: string;
  /** The CodeArts project the task's application belongs to. Default: the simulator's default project. */
  projectId?: string;
  /** Step names/specs, or a number of steps with stock names. Default: 3 steps. */
  steps?: Array<string | { name: string; enabled?: boolean; durationMs?: number; faqUrl?: string }> | number;
  /** 'all': every step listed from the start; 'reached': steps appear as the run reaches them. Default 'all'. */
  listing?: StepListing;
  /** 'sdk': StepInfo numbers/booleans as JSON numbers/booleans; 'strings': every field a string. Default 'sdk'. */
  fieldTypes?: FieldTypes;
  /** Divides every duration of this task's runs (2 = twice as fast). Default 1. */
  speed?: number;
  /** The task's default execution parameters (a run started with `params` overrides them by name). */
  params?: SimParam[];
}

/** What started a run: the Deploy API (StartDeployTask), the control API / `startRun()`, or `autoDeploy`. */
export type RunTrigger =
  | {
      kind: 'api';
      /** `record_id` of the start request: the run rolls back to that record. */
      rollbackOf: string | null;
      /** `trigger_source` of the start request, when given. */
      triggerSource: string | null;
    }
  | { kind: 'control' }
  | { kind: 'schedule' };

export interface SimRun {
  id: string;
  taskId: string;
  releaseId: number;
  plan: RunPlan;
  executor: string;
  nickName: string;
  type: 'deploy' | 'rollback';
  jobName: string;
  params: SimParam[];
  trigger: RunTrigger;
  deleted: boolean;
}

export interface SimProject {
  id: string;
  name: string;
  /** Its tasks in creation order (deleted ones included). */
  tasks: SimTask[];
}

export interface SimTask {
  id: string;
  appId: string;
  name: string;
  project: SimProject;
  steps: StepSpec[];
  listing: StepListing;
  fieldTypes: FieldTypes;
  speed: number;
  params: SimParam[];
  createdAt: number;
  deleted: boolean;
  /** false: StartDeployTask and StopDeployTask answer 403 `Deploy.00011154`. */
  canExecute: boolean;
  /** The script of the next run started through the Deploy API or the schedule (then cleared). */
  nextScript: RunScript | null;
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
  /** What started it (for a rollback, which record it rolled back to). */
  trigger: RunTrigger;
  /** The parameters it ran with (what ShowExecutionParams reports, unmasked). */
  params: SimParam[];
  createdAt: number;
  /** When the first step starts (end of `pending`). */
  runningAt: number;
  /** When the run ends (or will end, if nothing stops it). */
  endsAt: number;
  /** Status as of now. */
  status: SimRunStatus;
  /** How it ends (or will end). */
  outcome: ReturnType<typeof outcomeOf>;
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
export const DEFAULT_PROJECT_NAME = 'Demo';
const DEFAULT_FAQ_URL = 'https://support.huaweicloud.com/intl/en-us/deployman_faq/deployman_faq_1001.html';

export interface WorldOptions {
  ids: IdRegistry;
  now: () => number;
}

/** The newest live record of `task` created by `at`. */
export const latestRunAt = (task: SimTask, at: number): SimRun | undefined => {
  for (let i = task.runs.length - 1; i >= 0; i--) {
    const run = task.runs[i];
    if (run !== undefined && !run.deleted && run.plan.createdAt <= at) return run;
  }
  return undefined;
};

export class World {
  /** The project tasks land in when their spec names none. */
  readonly defaultProject: SimProject;
  readonly projects = new Map<string, SimProject>();
  readonly tasks = new Map<string, SimTask>();
  readonly #apps = new Map<string, SimTask>();
  /** Tasks that deploy on a schedule: catchUp() visits only these, so a large tenant stays cheap. */
  readonly #scheduled = new Set<SimTask>();
  readonly #o: WorldOptions;

  constructor(options: WorldOptions) {
    this.#o = options;
    this.defaultProject = this.createProject({ name: DEFAULT_PROJECT_NAME });
  }

  get projectId(): string {
    return this.defaultProject.id;
  }

  // ─── Mutations ────────────────────────────────────────────────────────────────────────────────

  createProject(spec: { id?: string; name?: string } = {}): SimProject {
    const id = spec.id === undefined ? this.#o.ids.next('project') : this.#o.ids.claim('project', spec.id);
    const project: SimProject = { id, name: spec.name ?? `project-${this.projects.size + 1}`, tasks: [] };
    this.projects.set(id, project);
    return project;
  }

  createTask(spec: TaskSpec = {}): SimTask {
    const project = spec.projectId === undefined ? this.defaultProject : this.projects.get(spec.projectId);
    if (project === undefined) throw new Error(`no project ${spec.projectId}`);
    const speed = spec.speed ?? 1;
    if (!(speed > 0) || !Number.isFinite(speed)) throw new RangeError(`speed must be > 0, got ${speed}`);
    const steps = toSteps(spec.steps);
    const params = (spec.params ?? []).map(checkParam);
    const id = spec.id === undefined ? this.#o.ids.next('task') : this.#o.ids.claim('task', spec.id);
    const appId = this.#o.ids.next('app');
    const task: SimTask = {
      id,
      appId,
      name: spec.name ?? `task-${this.tasks.size + 1}`,
      project,
      steps,
      listing: spec.listing ?? 'all',
      fieldTypes: spec.fieldTypes ?? 'sdk',
      speed,
      params,
      createdAt: this.#o.now(),
      deleted: false,
      canExecute: true,
      nextScript: null,
      runs: [],
      nextReleaseId: 1,
      auto: null,
    };
    this.tasks.set(id, task);
    this.#apps.set(appId, task);
    project.tasks.push(task);
    return task;
  }

  /**
   * Starts a run now (or at `at`, for scheduled runs). Throws a 400 `Deploy.00011027` while one is active.
   * `params` override the task's defaults by name. A run started through the API or the schedule uses the
   * task's next-run script, if one is set, instead of `script`.
   */
  startRun(
    taskId: string,
    script: RunScript = {},
    extra: { at?: number; trigger?: RunTrigger; params?: SimParam[] } = {},
  ): SimRun {
    const task = this.requireTask(taskId);
    const at = extra.at ?? this.#o.now();
    const latest = latestRunAt(task, at);
    if (latest !== undefined && !isFinished(latest.plan, at)) {
      throw deployError(400, 'Deploy.00011027', MSG.running);
    }
    const trigger = extra.trigger ?? { kind: 'control' };
    const scripted = trigger.kind !== 'control' && task.nextScript !== null ? task.nextScript : script;
    const plan = planRun(task.steps, scripted, at, task.speed);
    if (scripted === task.nextScript) task.nextScript = null;
    const run: SimRun = {
      id: this.#o.ids.next('record'),
      taskId,
      releaseId: task.nextReleaseId++,
      plan,
      executor: scripted.executor ?? DEFAULT_EXECUTOR,
      nickName: DEFAULT_NICK_NAME,
      type: trigger.kind === 'api' && trigger.rollbackOf !== null ? 'rollback' : 'deploy',
      jobName: `job_${this.#o.ids.next('record').slice(0, 6)}`,
      params: mergeParams(task.params, (extra.params ?? []).map(checkParam)),
      trigger,
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

  /** The script of the next run the Deploy API or the schedule starts (e.g. one step that runs far longer). */
  scriptNextRun(taskId: string, script: RunScript): void {
    const task = this.requireTask(taskId);
    planRun(task.steps, script, 0, task.speed); // rejects a bad script now, not at the next start
    task.nextScript = { ...script };
  }

  setPermission(taskId: string, permission: { canExecute: boolean }): void {
    this.requireTask(taskId).canExecute = permission.canExecute;
  }

  deleteTask(taskId: string): void {
    const task = this.requireTask(taskId);
    task.deleted = true;
    this.#scheduled.delete(task);
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
    this.#scheduled.add(task);
    this.catchUp();
  }

  /** Materialises every scheduled run that is due by now, each created at its own scheduled time. */
  catchUp(): void {
    const now = this.#o.now();
    for (const task of this.#scheduled) {
      const auto = task.auto;
      if (auto === null || task.deleted) continue;
      const due = Math.floor((now - auto.anchor) / auto.everyMs) + 1;
      // A clock jump of years would otherwise create millions of runs; keep the recent ones.
      if (due - auto.slots > 1000) auto.slots = due - 1000;
      for (; auto.slots < due; auto.slots++) {
        const at = auto.anchor + auto.slots * auto.everyMs;
        const latest = latestRunAt(task, at);
        if (latest !== undefined && !isFinished(latest.plan, at)) continue;
        auto.created += 1;
        this.startRun(task.id, scheduledScript(task, auto.created, auto.failEvery), {
          at,
          trigger: { kind: 'schedule' },
        });
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

  /** A project, or a 404 `Deploy.00016902` (as the service answers an IAM project ID). */
  requireProject(projectId: string): SimProject {
    const project = this.projects.get(projectId);
    if (project === undefined) throw deployError(404, 'Deploy.00016902', MSG.noProject);
    return project;
  }

  /** The project of a task or application ID, if it is one. */
  projectOf(taskOrAppId: string): string | undefined {
    return (this.tasks.get(taskOrAppId) ?? this.#apps.get(taskOrAppId))?.project.id;
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
    return latestRunAt(task, this.#o.now());
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
      trigger: { ...run.trigger },
      params: run.params.map((p) => ({ ...p })),
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

const checkParam = (param: SimParam): SimParam => {
  if (typeof param?.name !== 'string' || param.name === '' || typeof param.value !== 'string') {
    throw new Error(`a task parameter needs a name and a string value: ${JSON.stringify(param)}`);
  }
  return { name: param.name, type: typeof param.type === 'string' ? param.type : 'text', value: param.value };
};

/** The task's defaults with `given` replacing those of the same name; new names come after, in order. */
const mergeParams = (defaults: readonly SimParam[], given: readonly SimParam[]): SimParam[] => {
  const byName = new Map(given.map((p) => [p.name, p]));
  const merged = defaults.map((p) => ({ ...(byName.get(p.name) ?? p) }));
  const known = new Set(defaults.map((p) => p.name));
  return [...merged, ...given.filter((p) => !known.has(p.name)).map((p) => ({ ...p }))];
};

/** The n-th scheduled run (1-based): every `failEvery`-th fails, at a step that rotates through the enabled ones. */
const scheduledScript = (task: SimTask, n: number, failEvery: number): RunScript => {
  if (failEvery <= 0 || n % failEvery !== 0) return { outcome: 'succeeded' };
  const enabled = task.steps.flatMap((s, i) => (s.enabled ? [i] : []));
  const failAtStep = enabled[Math.floor(n / failEvery) % enabled.length];
  return failAtStep === undefined ? { outcome: 'succeeded' } : { outcome: 'failed', failAtStep };
};
