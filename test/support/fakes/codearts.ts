// Test fakes: a scripted CodeArts for the use cases and the api pipeline. It knows two tasks (one that ran, one
// that never did), fails or lags on demand, and honours abort signals as the real client does.
import type { HistoryPage } from '../../../functions/core/history.js';
import type { RunState } from '../../../functions/core/model.js';
import { normaliseStateResponse } from '../../../functions/core/normalise.js';
import type { TaskDetail } from '../../../functions/core/task-detail.js';
import { CodeArtsError, type CodeArtsPort, type GetTaskStateOptions } from '../../../functions/ports.js';
import { stateBody } from '../state-bodies.js';

/** A task the fake knows, with a run (its `/state` answer is {@link stateBody}). */
export const TASK_A = 'e700f15965694253940502911220d76b';
/** A task the fake knows that never ran (`/state` answers record-gone). */
export const TASK_NEVER_RUN = '8f49acfaa7ea4725b87627dc2902f19a';
/** A task the fake does not know (task-gone). */
export const TASK_UNKNOWN = '0123456789abcdef0123456789abcdef';

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
