// Test support: one worker "process" around the ports a worker invocation uses. It can be killed at any step
// boundary (before or after any call to CodeArts, the store, Slack, the queue or the gates): from then on every
// call through its ports fails at once, as nothing more leaves a dead process, and the calls it had in flight are
// tracked so a test can wait for them to land. Production code knows nothing of this: faults come from wrapping
// the ports.
import type {
  CodeArtsPort,
  FleetGates,
  PeopleDirectory,
  PollQueue,
  RunArchive,
  SlackPort,
  TaskRepository,
} from '../../functions/ports.js';

/** Thrown by every call of a process that was killed. */
export class ProcessKilled extends Error {
  override readonly name = 'ProcessKilled';
}

/**
 * A step boundary, named by what just happened or is about to: `after-fetch` (a CodeArts answer arrived),
 * `after-state-write` (the poll's write of a task landed), `after-slack-post`, `before-mark-delivered` (the write
 * recording a delivery is about to go out), `after-requeue` (follow-ups were queued), and the generic
 * `<before|after>:<port>.<method>` of every other call.
 */
export interface Boundary {
  point: string;
  port: 'codearts' | 'store' | 'slack' | 'queue' | 'gates';
  method: string;
  phase: 'before' | 'after';
  taskId: string | null;
}

export type CrashPlan = (boundary: Boundary) => boolean;

export class WorkerProcess {
  #dead = false;
  #inflight = 0;
  /** Tasks whose delivery claim this process wrote: its next write of them without the claim marks delivery. */
  readonly #claimed = new Set<string>();

  constructor(
    private readonly crash: CrashPlan = () => false,
    private readonly hold: (boundary: Boundary) => Promise<void> = async () => {},
  ) {}

  get dead(): boolean {
    return this.#dead;
  }

  async drained(): Promise<void> {
    while (this.#inflight > 0) await new Promise((resolve) => setTimeout(resolve, 2));
  }

  async #at(boundary: Boundary): Promise<void> {
    if (this.#dead) throw new ProcessKilled('the process is dead');
    await this.hold(boundary);
    if (this.crash(boundary)) {
      this.#dead = true;
      throw new ProcessKilled(`killed ${boundary.point} ${boundary.taskId ?? ''}`);
    }
  }

  async #call<T>(
    port: Boundary['port'],
    method: string,
    taskId: string | null,
    call: () => Promise<T>,
    points: { before?: string; after?: string } = {},
  ): Promise<T> {
    const base = { port, method, taskId };
    await this.#at({ ...base, phase: 'before', point: points.before ?? `before:${port}.${method}` });
    this.#inflight++;
    let result: T;
    try {
      result = await call();
    } finally {
      this.#inflight--;
    }
    await this.#at({ ...base, phase: 'after', point: points.after ?? `after:${port}.${method}` });
    return result;
  }

  repository(store: TaskRepository): TaskRepository {
    const self = this;
    return {
      getTask: (taskId, options) =>
        this.#call('store', 'getTask', taskId, () => store.getTask(taskId, options)),
      putTask: (record, expected) => {
        const marksDelivery = this.#claimed.has(record.taskId) && record.deliveryClaim === undefined;
        if (record.deliveryClaim) this.#claimed.add(record.taskId);
        else this.#claimed.delete(record.taskId);
        const points = marksDelivery ? { before: 'before-mark-delivered' } : { after: 'after-state-write' };
        return this.#call('store', 'putTask', record.taskId, () => store.putTask(record, expected), points);
      },
      deleteTask: (taskId, expected) =>
        this.#call('store', 'deleteTask', taskId, () => store.deleteTask(taskId, expected)),
      async *listTasks() {
        const all = await self.#call('store', 'listTasks', null, async () => {
          const out = [];
          for await (const task of store.listTasks()) out.push(task);
          return out;
        });
        yield* all;
      },
    };
  }

  codearts(port: CodeArtsPort): CodeArtsPort {
    return {
      getTaskState: (taskId, options) =>
        this.#call('codearts', 'getTaskState', taskId, () => port.getTaskState(taskId, options), {
          after: 'after-fetch',
        }),
      getTaskDetail: (taskId, options) =>
        this.#call('codearts', 'getTaskDetail', taskId, () => port.getTaskDetail(taskId, options)),
      listTaskHistory: (taskId, options) =>
        this.#call('codearts', 'listTaskHistory', taskId, () => port.listTaskHistory(taskId, options)),
    };
  }

  slack(port: SlackPort): SlackPort {
    return {
      post: (target, message) =>
        this.#call('slack', 'post', null, () => port.post(target, message), { after: 'after-slack-post' }),
      update: (ref, message) => this.#call('slack', 'update', null, () => port.update(ref, message)),
      findByMetadata: (query) =>
        this.#call('slack', 'findByMetadata', null, () => port.findByMetadata(query)),
      getPermalink: (ref) => this.#call('slack', 'getPermalink', null, () => port.getPermalink(ref)),
    };
  }

  /** The run summaries live in the task's table: their calls are store calls. */
  runs(port: RunArchive): RunArchive {
    return {
      putRunSummary: (taskId, slot, summary) =>
        this.#call('store', 'putRunSummary', taskId, () => port.putRunSummary(taskId, slot, summary)),
      listRunSummaries: (taskId) =>
        this.#call('store', 'listRunSummaries', taskId, () => port.listRunSummaries(taskId)),
    };
  }

  people(port: PeopleDirectory): PeopleDirectory {
    return {
      slackUsersOf: (users) => this.#call('store', 'slackUsersOf', null, () => port.slackUsersOf(users)),
    };
  }

  queue(port: PollQueue): PollQueue {
    return {
      send: (polls) => this.#call('queue', 'send', null, () => port.send(polls), { after: 'after-requeue' }),
    };
  }

  gates(port: FleetGates): FleetGates {
    return {
      read: () => this.#call('gates', 'read', null, () => port.read()),
      pause: (gate, until) => this.#call('gates', 'pause', null, () => port.pause(gate, until)),
    };
  }
}
