// local/codearts-simulator → the wire views: what each Deploy API returns for a task or run, computed from
// the world and a moment in time. Everything takes the moment explicitly, so an answer "as of N seconds
// ago" (the feed's stale fault) is the same code as an answer as of now.
import { formatDuration, formatLocal } from './time.js';
import { endAt, isFinished, logOffset, outcomeOf, statusAt, stepsAt } from './timeline.js';
import { DEFAULT_EXECUTOR, DEFAULT_NICK_NAME, latestRunAt, type SimRun, type SimTask } from './world.js';

export interface ViewOptions {
  region: string;
  utcOffsetMinutes: number;
  now: () => number;
}

type Json = Record<string, unknown>;

export class WireViews {
  readonly #o: ViewOptions;

  constructor(options: ViewOptions) {
    this.#o = options;
  }

  #time(ms: number): string {
    return formatLocal(ms, this.#o.utcOffsetMinutes);
  }

  /** StateInfo of `/v2/tasks/{id}/state`. */
  stateInfo(task: SimTask, run: SimRun, withSteps: boolean): Json {
    const now = this.#o.now();
    const finished = isFinished(run.plan, now);
    const info: Json = {
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

  #stepInfos(task: SimTask, run: SimRun, now: number): Json[] {
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

  #runDuration(run: SimRun, at: number): string {
    return formatDuration(Math.min(at, endAt(run.plan)) - run.plan.createdAt);
  }

  /** One ExecuteRecordV2Body of the history API. */
  historyRecord(run: SimRun): Json {
    const now = this.#o.now();
    return {
      execution_id: run.id,
      state: statusAt(run.plan, now),
      duration: this.#runDuration(run, now),
      operator: run.executor,
      nickname: run.nickName,
      start_time: this.#time(run.plan.createdAt),
      end_time: isFinished(run.plan, now) ? this.#time(endAt(run.plan)) : '',
      release_id: run.releaseId,
      type: run.type,
    };
  }

  /** ShowExecutionParams: `encrypt` values are masked, as a secret would be [inferred]. */
  executionParams(run: SimRun): Json[] {
    return run.params.map((p) => ({
      name: p.name,
      type: p.type,
      value: p.type === 'encrypt' ? '******' : p.value,
    }));
  }

  #stepsMap(task: SimTask): Json {
    return Object.fromEntries(
      task.steps.map((step, i) => [
        `step${i + 1}`,
        { id: `step${i + 1}`, name: step.name, params: {}, enable: step.enabled },
      ]),
    );
  }

  /** The latest run's fields of a listing, as of `at`. */
  #execution(task: SimTask, at: number): Json {
    const run = latestRunAt(task, at);
    if (run === undefined) {
      return {
        execution_state: 'not_executed',
        execution_time: '',
        end_time: '',
        duration: '',
        release_id: 0,
      };
    }
    return {
      execution_state: statusAt(run.plan, at),
      execution_time: this.#time(run.plan.createdAt),
      end_time: isFinished(run.plan, at) ? this.#time(endAt(run.plan)) : '',
      duration: this.#runDuration(run, at),
      release_id: run.releaseId,
    };
  }

  #permissions(task: SimTask): Record<string, boolean> {
    return {
      is_care: false,
      can_modify: true,
      can_delete: true,
      can_view: true,
      can_execute: task.canExecute,
      can_copy: true,
      can_manage: true,
      can_create_env: true,
      can_disable: true,
    };
  }

  /** TaskInfo: the flat `GET /v2/tasks/{id}` body and the items of the legacy task list. */
  taskInfo(task: SimTask): Json {
    const now = this.#o.now();
    const { end_time: _end, ...execution } = this.#execution(task, now);
    const latest = latestRunAt(task, now);
    return {
      task_id: task.id,
      id: task.id,
      name: task.name,
      app_id: task.appId,
      project_id: task.project.id,
      project_name: task.project.name,
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
      is_disable: false,
      ...this.#permissions(task),
      role_id: -1,
      create_time: this.#time(task.createdAt),
      update_time: this.#time(latest?.plan.createdAt ?? task.createdAt),
    };
  }

  #arrangeInfo(task: SimTask): Json {
    return { id: task.id, state: 'Available', deploy_system: 'deployTemplate' };
  }

  /** AppExecutionInfo of `POST /v1/applications/list`, as of `at`. */
  appExecutionInfo(task: SimTask, at: number = this.#o.now()): Json {
    const execution = this.#execution(task, at);
    const latest = latestRunAt(task, at);
    return {
      id: task.appId,
      name: task.name,
      project_id: task.project.id,
      project_name: task.project.name,
      deploy_system: 'deployTemplate',
      create_time: this.#time(task.createdAt),
      update_time: this.#time(latest?.plan.createdAt ?? task.createdAt),
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
      ...this.#permissions(task),
      arrange_infos: [this.#arrangeInfo(task)],
    };
  }

  /** AppDetailInfo of `GET /v1/applications/{app_id}/info`. */
  appDetail(task: SimTask): Json {
    const latest = latestRunAt(task, this.#o.now());
    return {
      id: task.appId,
      name: task.name,
      region: this.#o.region,
      description: '',
      is_disable: false,
      create_type: 'template',
      project_id: task.project.id,
      project_name: task.project.name,
      slave_cluster_id: '',
      ...this.#permissions(task),
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
