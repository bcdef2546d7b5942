// Reliability rig: the real poll cycle (runPollCycle) wired to dynalite, the CodeArts simulator and the fake
// Slack over real HTTP, on one manual clock. Unlike test/support/harness.ts it can use IAM password auth (so
// token refresh is exercised), short timeouts (so hangs cost little real time), a DynamoDB fault layer on the
// document client, and a "process" around every cycle so an injected crash stops all of that cycle's I/O at
// once, as a killed Lambda would.
import {
  ConditionalCheckFailedException,
  ProvisionedThroughputExceededException,
} from '@aws-sdk/client-dynamodb';
import { CodeArtsClient } from '../../../functions/adapters/codearts/client.js';
import { DynamoTaskStore } from '../../../functions/adapters/dynamodb/store.js';
import { createSlackWebClient, SlackAdapter } from '../../../functions/adapters/slack/index.js';
import { type PollCycleDeps, type PollCycleReport, runPollCycle } from '../../../functions/app/poll-cycle.js';
import { type FaultPoint, InjectedCrash } from '../../../functions/app/poll-task.js';
import type { TaskRecord, WatchRequest } from '../../../functions/core/model.js';
import type {
  Clock,
  CodeArtsPort,
  LeaseStore,
  ListTaskHistoryOptions,
  SlackPort,
  TaskRepository,
} from '../../../functions/ports.js';
import { SlackDeliveryError, silentLogger } from '../../../functions/ports.js';
import { ManualClock } from '../../../local/codearts-simulator/clock.js';
import { CodeArtsSimulator } from '../../../local/codearts-simulator/index.js';
import { FakeSlack } from '../../../local/fake-slack/index.js';
import { startDynalite, type TestDynamo } from '../../support/dynamo.js';

export const TIME_ZONE = '+08:00';
export const REGION = 'cn-north-4';
const IAM_USER = { domain: 'acme', name: 'deployer', password: 'Reliability-Pw-1' };

export interface RigOptions {
  /** 'password' makes the client log in to IAM and refresh expired tokens. Default 'token'. */
  auth?: 'token' | 'password';
  /** Per CodeArts request. Default 400 ms (hangs are waited out in real time). */
  codeartsTimeoutMs?: number;
  /** Per Slack request. Default 400 ms. */
  slackTimeoutMs?: number;
  /** Re-poll period for running deployments within a cycle; default 0 (off). */
  activePollSeconds?: number;
  /**
   * Tasks polled at once (CODEARTS_CONCURRENCY). Default 1, so the order of calls, and so which call a counted
   * fault hits, is the same on every run; scenarios about interleaving use more.
   */
  concurrency?: number;
}

/** A DynamoDB failure injected at the SDK client, before the request is sent or after it was applied. */
export interface DynamoFault {
  /** Low-level command name: PutItemCommand, GetItemCommand, QueryCommand, UpdateItemCommand (the lease). */
  command: string;
  /** 'stale-read' (a QueryCommand): answers with what the previous query saw, as an eventually consistent index may. */
  kind: 'throttle' | 'conditional' | 'timeout' | 'timeout-after-write' | 'concurrent-write' | 'stale-read';
  /** How many matching calls it hits (default 1). */
  times?: number;
  /** Matching calls let through before it starts hitting (default 0), so it is not always the same task's. */
  skip?: number;
  /** For 'concurrent-write': the competing write made just before the call goes out (given the task it is about). */
  write?: (taskId: string) => Promise<void>;
}

/** What decides, at each fault point, whether the running cycle dies there. */
export type CrashPlan = (point: FaultPoint, taskId: string) => boolean;

export interface CycleOutcome {
  report: PollCycleReport | null;
  /** The cycle died of an injected crash. */
  crashed: boolean;
  /** The cycle failed with another error (e.g. DynamoDB refused the task listing). */
  error: unknown;
}

export interface Rig {
  clock: ManualClock;
  sim: CodeArtsSimulator;
  slack: FakeSlack;
  dynamo: TestDynamo;
  store: DynamoTaskStore;
  codearts: CodeArtsClient;
  /** The Slack port the poller uses (for the checker's self-test). */
  slackPort: SlackPort;
  /**
   * Deletes a message "in Slack", as a person could: from then on an edit of it, or a reply under it, is refused
   * as gone, and a metadata lookup no longer finds it. (The fake Slack keeps every message, so this is done on
   * the poller's side of the Slack port; `deletedSlackMessages` lets the checker read the record without them.)
   */
  deleteSlackMessage(channel: string, ts: string, options?: { onRefused?: () => void }): void;
  deletedSlackMessages: ReadonlySet<string>;
  /** Arms a DynamoDB fault (see {@link DynamoFault}). */
  injectDynamo(fault: DynamoFault): void;
  clearDynamoFaults(): void;
  /** DynamoDB faults that fired, by kind. */
  dynamoFaultsFired: Record<string, number>;
  /** Runs one poll cycle now. `crash` kills it at the first point it approves. */
  cycle(options?: {
    crash?: CrashPlan;
    hold?: (point: FaultPoint, taskId: string) => Promise<void>;
  }): Promise<CycleOutcome>;
  watch(request: Omit<WatchRequest, 'region' | 'run' | 'taskName'> & { taskName?: string }): Promise<void>;
  stop(): Promise<void>;
}

export async function startRig(options: RigOptions = {}): Promise<Rig> {
  const clock = new ManualClock(Date.UTC(2025, 6, 9, 3, 0, 0));
  const [dynamo, sim, slack] = await Promise.all([
    startDynalite(),
    CodeArtsSimulator.start({ clock }),
    FakeSlack.start({ now: () => clock.now() }),
  ]);
  const store = new DynamoTaskStore({ client: dynamo.documentClient, tableName: dynamo.tableName });
  const password = options.auth === 'password';
  if (password) sim.addUser(IAM_USER);
  const codearts = new CodeArtsClient({
    region: REGION,
    endpoint: sim.url,
    iamEndpoint: sim.url,
    auth: password
      ? {
          type: 'password',
          domainName: IAM_USER.domain,
          userName: IAM_USER.name,
          password: IAM_USER.password,
        }
      : { type: 'token', token: sim.issueToken() },
    timeoutMs: options.codeartsTimeoutMs ?? 400,
    now: () => clock.now(),
  });
  const deleted = new Set<string>();
  const onRefused = new Map<string, () => void>();
  const slackAdapter = new SlackAdapter(
    createSlackWebClient({
      token: slack.token,
      apiUrl: slack.url,
      timeoutMs: options.slackTimeoutMs ?? 400,
      retries: 1,
      retryMinDelayMs: 10,
      retryMaxDelayMs: 20,
      logger: silentLogger,
    }),
  );
  const slackPort = withDeletions(slackAdapter, deleted, onRefused);
  // Sleeping moves the manual clock, so throttling pauses and re-polling cost no real time.
  const cycleClock: Clock = {
    now: () => clock.now(),
    sleep: async (ms) => {
      clock.advance(Math.max(0, ms));
    },
  };

  const armed: Array<{ fault: DynamoFault; remaining: number; skip: number }> = [];
  const fired: Record<string, number> = {};
  let competing = false;
  let previousQuery: unknown;
  dynamo.documentClient.middlewareStack.add(
    (next, context) => async (args) => {
      // The competing writer's own calls go through untouched.
      const entry = competing
        ? undefined
        : armed.find((a) => a.remaining > 0 && a.fault.command === context.commandName);
      if (entry && entry.skip > 0) {
        entry.skip--;
        return next(args);
      }
      if (!entry || entry.fault.kind === 'stale-read') {
        const output = await next(args);
        const seen = previousQuery;
        // Kept as is: the store only reads a query's answer.
        if (context.commandName === 'QueryCommand') previousQuery = output;
        if (!entry || seen === undefined) return output;
        entry.remaining--;
        fired['stale-read'] = (fired['stale-read'] ?? 0) + 1;
        return seen as typeof output;
      }
      entry.remaining--;
      const { kind } = entry.fault;
      fired[kind] = (fired[kind] ?? 0) + 1;
      const metadata = { $metadata: { httpStatusCode: 400 } };
      switch (kind) {
        case 'throttle':
          throw new ProvisionedThroughputExceededException({
            ...metadata,
            message: 'The level of configured provisioned throughput for the table was exceeded.',
          });
        case 'conditional':
          throw new ConditionalCheckFailedException({
            ...metadata,
            message: 'The conditional request failed',
          });
        case 'timeout':
          throw timeoutError();
        case 'timeout-after-write': {
          await next(args);
          throw timeoutError(); // applied, but the answer never arrives
        }
        case 'concurrent-write': {
          const taskId = /TASK#([A-Za-z0-9]+)/.exec(JSON.stringify(args.input))?.[1];
          competing = true;
          try {
            if (taskId) await entry.fault.write?.(taskId);
          } finally {
            competing = false;
          }
          return next(args);
        }
      }
    },
    { step: 'initialize', name: 'reliability-dynamo-faults' },
  );

  const rig: Rig = {
    clock,
    sim,
    slack,
    dynamo,
    store,
    codearts,
    slackPort,
    deleteSlackMessage: (channel, ts, options = {}) => {
      deleted.add(`${channel}/${ts}`);
      if (options.onRefused) onRefused.set(`${channel}/${ts}`, options.onRefused);
    },
    deletedSlackMessages: deleted,
    dynamoFaultsFired: fired,
    injectDynamo: (fault) => {
      armed.push({ fault, remaining: fault.times ?? 1, skip: fault.skip ?? 0 });
    },
    clearDynamoFaults: () => {
      armed.length = 0;
    },
    cycle: async ({ crash, hold } = {}) => {
      const proc = new Process();
      const deps: PollCycleDeps = {
        repository: proc.repository(store),
        lease: proc.lease(store),
        codearts: proc.codearts(codearts),
        slack: proc.slack(slackPort),
        clock: cycleClock,
        logger: silentLogger,
        metrics: { add() {} },
        timeZone: TIME_ZONE,
        consoleUrlTemplate: undefined,
        faultHook: async (point, taskId) => {
          proc.check();
          if (hold) await hold(point, taskId);
          if (crash?.(point, taskId)) proc.kill(`crash ${point} ${taskId}`);
        },
      };
      try {
        const report = await runPollCycle(
          deps,
          { concurrency: options.concurrency ?? 1, activePollSeconds: options.activePollSeconds ?? 0 },
          { deadlineMs: clock.now() + 50_000 },
        );
        return { report, crashed: false, error: undefined };
      } catch (error) {
        // A dead process does nothing more: wait until the calls it had in flight have landed.
        await proc.drained();
        if (error instanceof InjectedCrash) return { report: null, crashed: true, error: undefined };
        return { report: null, crashed: false, error };
      }
    },
    watch: async (request) => {
      await store.watch(
        { region: REGION, taskName: request.taskName ?? '', run: null, ...request },
        new Date(clock.now()).toISOString(),
      );
    },
    stop: async () => {
      await Promise.all([sim.stop(), slack.stop(), dynamo.stop()]);
    },
  };
  return rig;
}

/** Slack as it behaves once some messages have been deleted (see Rig.deleteSlackMessage). */
function withDeletions(
  port: SlackPort,
  deleted: ReadonlySet<string>,
  onRefused: ReadonlyMap<string, () => void>,
): SlackPort {
  const gone = (channel: string, ts: string | undefined) =>
    ts !== undefined && deleted.has(`${channel}/${ts}`);
  const refused = (code: string) => new SlackDeliveryError('message-gone', code, `Slack answered ${code}`);
  return {
    post: async (target, message) => {
      if (gone(target.channel, target.threadTs)) throw refused('thread_not_found');
      return port.post(target, message);
    },
    update: async (ref, message) => {
      if (gone(ref.channel, ref.ts)) {
        onRefused.get(`${ref.channel}/${ref.ts}`)?.();
        throw refused('message_not_found');
      }
      return port.update(ref, message);
    },
    findByMetadata: async (query) => {
      if (gone(query.channel, query.threadTs)) throw refused('thread_not_found');
      const found = await port.findByMetadata(query);
      // The newest match is what Slack answers; a deleted one would not be there (an older one never is newer).
      return found && gone(found.channel, found.ts) ? null : found;
    },
  };
}

function timeoutError(): Error {
  const error = new Error('Request timed out (injected)');
  error.name = 'TimeoutError';
  return error;
}

/**
 * One poller process: once killed, every further call through its ports fails at once (nothing more leaves a
 * dead process), and the calls already in flight are tracked so the rig can wait for them to land.
 */
class Process {
  private dead = false;
  private inflight = 0;

  check(): void {
    if (this.dead) throw new InjectedCrash('the process is dead');
  }

  kill(why: string): never {
    this.dead = true;
    throw new InjectedCrash(why);
  }

  async drained(): Promise<void> {
    while (this.inflight > 0) await new Promise((resolve) => setTimeout(resolve, 2));
  }

  private async run<T>(call: () => Promise<T>): Promise<T> {
    this.check();
    this.inflight++;
    try {
      return await call();
    } finally {
      this.inflight--;
    }
  }

  repository(store: TaskRepository): TaskRepository {
    const self = this;
    return {
      getTask: (taskId) => this.run(() => store.getTask(taskId)),
      putTask: (record, expected) => this.run(() => store.putTask(record, expected)),
      deleteTask: (taskId, expected) => this.run(() => store.deleteTask(taskId, expected)),
      async *listTasks(): AsyncIterable<TaskRecord> {
        const all: TaskRecord[] = await self.run(async () => {
          const out: TaskRecord[] = [];
          for await (const task of store.listTasks()) out.push(task);
          return out;
        });
        yield* all;
      },
    };
  }

  lease(store: LeaseStore): LeaseStore {
    return {
      acquireLease: (...args) => this.run(() => store.acquireLease(...args)),
      releaseLease: (...args) => this.run(() => store.releaseLease(...args)),
      lastCompletedAt: (name) => this.run(() => store.lastCompletedAt(name)),
    };
  }

  codearts(port: CodeArtsPort): CodeArtsPort {
    return {
      getTaskState: (taskId, options) => this.run(() => port.getTaskState(taskId, options)),
      getTaskDetail: (taskId, options) => this.run(() => port.getTaskDetail(taskId, options)),
      listTaskHistory: (taskId: string, options: ListTaskHistoryOptions) =>
        this.run(() => port.listTaskHistory(taskId, options)),
    };
  }

  slack(port: SlackPort): SlackPort {
    return {
      post: (target, message) => this.run(() => port.post(target, message)),
      update: (ref, message) => this.run(() => port.update(ref, message)),
      findByMetadata: (query) => this.run(() => port.findByMetadata(query)),
    };
  }
}
