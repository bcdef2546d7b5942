// local/codearts-simulator → the Deploy API's answers, one method per route. The
// HTTP pipeline (simulator.ts) has already matched the route, checked the credentials, applied the
// rate limit and any response fault; these only read the request and the world.
import { parseAppListRequest, selectApplications } from './app-list.js';
import { deployError, gatewayError, MSG, paramError } from './errors.js';
import type { FaultBook, FaultMatchContext, FeedFault } from './faults.js';
import { field, intParam, parseObject, parseParams } from './request-body.js';
import type { Reply } from './simulator.js';
import { parseDay } from './time.js';
import type { WireViews } from './views.js';
import type { SimTask, World } from './world.js';

export interface DeployCall {
  params: Record<string, string>;
  query: URLSearchParams;
  body: Buffer;
  requestId: string;
  /** What fault targets are matched against. */
  target: FaultMatchContext;
  /** Set to the kind of a feed fault that bent the answer. */
  applied: (kind: FeedFault['kind']) => void;
}

export interface DeployApiOptions {
  world: World;
  views: WireViews;
  faults: FaultBook;
  now: () => number;
  utcOffsetMinutes: number;
  /** Send 404 `Deploy.00011303` on /state as `text/html` like the live service. */
  recordGoneAsHtml: boolean;
}

const ok = (body: unknown): Reply => ({ status: 200, body });

/** Route params are always present once matched; this only satisfies the type checker. */
const need = (value: string | undefined): string => value ?? '';

const missingQuery = (name: string, requestId: string) =>
  gatewayError(400, 'APIG.0106', `Orchestration error: query parameter ${name} is missing`, requestId);

export class DeployApi {
  readonly #o: DeployApiOptions;

  constructor(options: DeployApiOptions) {
    this.#o = options;
  }

  get #world(): World {
    return this.#o.world;
  }

  /** A task the caller may execute, or a 403 `Deploy.00011154`. */
  #executable(taskId: string): SimTask {
    const task = this.#world.requireTask(taskId);
    if (!task.canExecute) throw deployError(403, 'Deploy.00011154', MSG.noPermission);
    return task;
  }

  state(call: DeployCall): Reply {
    const task = this.#world.requireTask(need(call.params.taskId));
    const recordId = call.query.get('record_id');
    const html = this.#o.recordGoneAsHtml;
    const run =
      recordId !== null && recordId !== ''
        ? this.#world.requireRun(task, recordId, { html })
        : this.#world.latestRun(task);
    if (run === undefined) throw deployError(404, 'Deploy.00011303', MSG.noRecord, { html });
    const withSteps = call.query.get('step_state')?.toLowerCase() !== 'false';
    return ok({ status: 'success', result: this.#o.views.stateInfo(task, run, withSteps) });
  }

  /**
   * StartDeployTask. With `record_id` the run rolls back to that record: it redeploys with that record's
   * parameters, so `params` may not come with it (400), and an unknown record is a 400 `Deploy.00011303`
   * [inferred, as on ShowExecutionParams].
   */
  start(call: DeployCall): Reply {
    const task = this.#executable(need(call.params.taskId));
    const body = parseObject(call.body, { emptyIsObject: true });
    const given = parseParams(field(body, 'params'));
    const rollbackTo = field(body, 'record_id');
    if (rollbackTo !== undefined && (typeof rollbackTo !== 'string' || rollbackTo === '')) {
      throw paramError('Param invalid: record_id must be a record ID');
    }
    if (rollbackTo !== undefined && field(body, 'params') !== undefined) {
      throw paramError(
        'Param invalid: a rollback (record_id) takes the parameters of that record, not params',
      );
    }
    const triggerSource = field(body, 'trigger_source');
    if (triggerSource !== undefined && triggerSource !== '0' && triggerSource !== '1') {
      throw paramError('Param invalid: trigger_source must be "0" or "1"');
    }
    const target =
      rollbackTo === undefined ? undefined : this.#world.requireRun(task, rollbackTo, { status: 400 });
    const run = this.#world.startRun(
      task.id,
      {},
      {
        trigger: { kind: 'api', rollbackOf: target?.id ?? null, triggerSource: triggerSource ?? null },
        params: target === undefined ? given : target.params,
      },
    );
    return ok({ id: run.id, task_id: task.id, job_name: run.jobName, app_component_list: [] });
  }

  /**
   * StopDeployTask. A queued run ends `not_started`, a running one `abort`. Stopping a run that has already
   * ended answers success and changes nothing (the record keeps its outcome): the live answer is not
   * documented, and an idempotent stop is the answer that cannot mislead a caller who reads /state after.
   */
  stop(call: DeployCall): Reply {
    const task = this.#executable(need(call.params.taskId));
    const run = this.#world.stopRun(task.id, need(call.params.recordId));
    return ok({ status: 'success', result: { id: run.id, task_id: run.taskId } });
  }

  taskDetail(call: DeployCall): Reply {
    return ok(this.#o.views.taskInfo(this.#world.requireTask(need(call.params.taskId))));
  }

  listTasks(call: DeployCall): Reply {
    const project = this.#world.requireProject(need(call.params.projectId));
    const page = intParam(call.query.get('page') ?? '1', 1, 99_999);
    const size = intParam(call.query.get('size') ?? '10', 1, 100);
    const tasks = project.tasks.filter((t) => !t.deleted).reverse();
    return ok({
      total_num: tasks.length,
      result: tasks.slice((page - 1) * size, page * size).map((t) => this.#o.views.taskInfo(t)),
    });
  }

  history(call: DeployCall): Reply {
    for (const name of ['page', 'size', 'start_date', 'end_date']) {
      if (!call.query.get(name)) throw missingQuery(name, call.requestId);
    }
    this.#world.requireProject(need(call.params.projectId));
    const page = intParam(call.query.get('page') ?? '', 1, 99_999);
    const size = intParam(call.query.get('size') ?? '', 1, 100);
    const start = parseDay(call.query.get('start_date') ?? '');
    const end = parseDay(call.query.get('end_date') ?? '');
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
    const task = this.#world.requireTask(need(call.params.taskId));
    const offset = this.#o.utcOffsetMinutes;
    const now = this.#o.now();
    const runs = task.runs
      .filter((run) => {
        if (run.deleted || run.plan.createdAt > now) return false;
        const day = Math.floor((run.plan.createdAt + offset * 60_000) / 86_400_000) * 86_400_000;
        return day >= start && day <= end;
      })
      .reverse();
    return ok({
      result: runs.slice((page - 1) * size, page * size).map((run) => this.#o.views.historyRecord(run)),
      total_num: runs.length,
    });
  }

  /** ShowExecutionParams: a bare array; an unknown record is a 400 here (observed), not a 404. */
  params(call: DeployCall): Reply {
    const recordId = call.query.get('record_id');
    if (!recordId) throw missingQuery('record_id', call.requestId);
    const task = this.#world.requireTask(need(call.params.taskId));
    return ok(this.#o.views.executionParams(this.#world.requireRun(task, recordId, { status: 400 })));
  }

  /** ListAllApp, bent by the feed faults armed for this call (stale, omit-app). */
  listApps(call: DeployCall): Reply {
    const request = parseAppListRequest(parseObject(call.body));
    const project = this.#world.requireProject(request.projectId);
    const stale = this.#o.faults.takeStale(call.target);
    if (stale !== null) call.applied('stale');
    const at = this.#o.now() - (stale === null ? 0 : stale.seconds * 1000);
    const { total, page } = selectApplications(project, request, at);
    const omitted = this.#o.faults.takeOmitted(call.target, new Set(page.map((t) => t.appId)));
    if (omitted.size > 0) call.applied('omit-app');
    return ok({
      total_num: total,
      result: page.filter((t) => !omitted.has(t.appId)).map((t) => this.#o.views.appExecutionInfo(t, at)),
    });
  }

  appInfo(call: DeployCall): Reply {
    const task = this.#world.requireApp(need(call.params.appId));
    return ok({ status: 'success', result: this.#o.views.appDetail(task) });
  }
}
