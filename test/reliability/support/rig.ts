// Reliability rig: the real planner and worker handlers wired to dynalite, the CodeArts simulator and the fake
// Slack over real HTTP, on one manual clock, with the poll queue simulated on that clock (test/support/sim-queue.ts)
// so it can misbehave as SQS may: messages delivered twice, out of order, again after a visibility timeout.
// Several worker invocations run at once, each its own "process" (test/support/process.ts) that a scenario can
// kill at any step boundary; a DynamoDB fault layer on the document client fails calls before or after they land.
import {
  ConditionalCheckFailedException,
  ProvisionedThroughputExceededException,
} from '@aws-sdk/client-dynamodb';
import type { CodeArtsClient } from '../../../functions/adapters/codearts/client.js';
import { DynamoFeedStatus } from '../../../functions/adapters/dynamodb/feed-status.js';
import { DynamoFleetGates } from '../../../functions/adapters/dynamodb/fleet-gates.js';
import { DynamoInsightStore } from '../../../functions/adapters/dynamodb/insight-store.js';
import { DynamoPlannerTicks } from '../../../functions/adapters/dynamodb/planner-ticks.js';
import { DynamoTaskStore } from '../../../functions/adapters/dynamodb/store.js';
import { createSlackWebClients, SlackAdapter } from '../../../functions/adapters/slack/index.js';
import type { PlanReport } from '../../../functions/app/planner/plan-tick.js';
import type { WorkerDeps } from '../../../functions/app/worker/run-batch.js';
import type { WatchRequest } from '../../../functions/core/model.js';
import { createPlannerHandler } from '../../../functions/handlers/planner-pipeline.js';
import { createWorkerHandler } from '../../../functions/handlers/worker-pipeline.js';
import type { Logger, MetricUnit, PollQueue, QueuedPoll, SlackPort } from '../../../functions/ports.js';
import { SlackDeliveryError, silentLogger } from '../../../functions/ports.js';
import { ManualClock } from '../../../local/codearts-simulator/clock.js';
import { CodeArtsSimulator } from '../../../local/codearts-simulator/index.js';
import { FakeSlack, type FakeSlackLimits } from '../../../local/fake-slack/index.js';
import { startDynalite, type TestDynamo } from '../../support/dynamo.js';
import { lambdaContext, PipelineDriver } from '../../support/pipeline.js';
import { type Boundary, type CrashPlan, ProcessKilled, WorkerProcess } from '../../support/process.js';
import { simulatorClient } from '../../support/sim-codearts.js';
import { SimulatedQueue } from '../../support/sim-queue.js';

export type { Boundary, CrashPlan };

export const TIME_ZONE = '+08:00';
export const REGION = 'cn-north-4';
const IAM_USER = { domain: 'acme', name: 'deployer', password: 'Reliability-Pw-1' };
/** A planner invocation's simulated budget: its claim on a tick lapses 10 s after it. */
const PLANNER_TIMEOUT_MS = 5_000;

export interface RigOptions {
  /** 'password' makes the client log in to IAM and refresh expired tokens. Default 'token'. */
  auth?: 'token' | 'password';
  /** Per CodeArts request. Default 400 ms (hangs are waited out in real time). */
  codeartsTimeoutMs?: number;
  /** Per Slack request. Default 400 ms. */
  slackTimeoutMs?: number;
  /** ACTIVE_POLL_SECONDS of the workers; default 0 (a running task waits for the next tick). */
  activePollSeconds?: number;
  /** The planner's period: a tick's follow-ups stop where the next starts. Default the fleet's poll interval. */
  tickSeconds?: number;
  /** Worker invocations at once (the event source mapping's maximum concurrency). Default 3. */
  workers?: number;
  /** CodeArts calls each worker invocation keeps in flight. Default 2. */
  callsPerWorker?: number;
  /** Messages per worker invocation. Default 10. */
  batchSize?: number;
  /** Watch index entries per page the planner reads, and polls it sends between progress marks (small pages exercise its progress records). */
  indexPageSize?: number;
  /** How long a received message stays hidden unless deleted. Default 60 s. */
  visibilityTimeoutMs?: number;
  /** Slack's rate limits, enforced by the fake Slack. Default none. */
  slackLimits?: FakeSlackLimits;
  /**
   * CHANGE_FEED of the planner. Default off: the fault scenarios poll every task every tick, so each fault meets
   * the polls it is aimed at; the change-feed scenarios turn it on.
   */
  changeFeed?: boolean;
  /** SWEEP_MINUTES with the feed on; default 1 (the fleet's ticks are seconds apart). */
  sweepMinutes?: number;
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

/** One Slack call of a worker invocation: `started` and `answered` order calls across the whole rig. */
export interface SlackLogEntry {
  worker: number;
  channel: string;
  /** The Slack limit the call counts against: posting in its channel, or editing / lookups for the workspace. */
  limit: string;
  at: number;
  started: number;
  answered: number;
  rateLimited: boolean;
}

export interface CycleReport {
  plans: PlanReport[];
  /** Planner invocations that found the tick planned already. */
  plannerSkipped: number;
  batches: number;
  /** Worker invocations killed by the scenario (their messages come back after the visibility timeout). */
  crashedBatches: number;
  /** Planner invocations killed half-way (see CycleOptions.plannerRetry). */
  plannerCrashes: number;
  /** The workers' summary counts over the cycle (tasksPolled, codeartsFailures, codeartsThrottled, taskErrors, …). */
  worker: Record<string, number>;
}

export interface CycleOutcome {
  report: CycleReport | null;
  /** A worker invocation died of an injected crash. */
  crashed: boolean;
  /** The planner failed with another error (e.g. DynamoDB refused the watch index). */
  error: unknown;
}

export interface CycleOptions {
  /** Kills a worker invocation at the first boundary it approves. */
  crash?: CrashPlan;
  /** Awaited at every boundary of every worker invocation (to hold one half-way while others run). */
  hold?: (boundary: Boundary) => Promise<void>;
  /** Planner invocations for this tick, one after the other (an at-least-once scheduler). Default 1. */
  plannerInvocations?: number;
  /** An invocation whose work is done but whose answer is lost (a timeout): its messages are received again. */
  lose?: (batch: number) => boolean;
  /**
   * The planner dies after queueing this many chunks of the tick (RigOptions.indexPageSize polls each); once its claim on the tick has lapsed
   * (`retryAfterMs` later) the tick is invoked again, and the retry finishes it from where the first stopped.
   */
  plannerRetry?: { crashAfterPages: number; retryAfterMs: number };
}

export interface Rig {
  clock: ManualClock;
  sim: CodeArtsSimulator;
  slack: FakeSlack;
  dynamo: TestDynamo;
  store: DynamoTaskStore;
  codearts: CodeArtsClient;
  /** A CodeArts token for calls made outside the workers (to read what CodeArts would answer). */
  token: string;
  queue: SimulatedQueue;
  /** The Slack port the workers use (for the checker's self-test). */
  slackPort: SlackPort;
  /** Every Slack call a worker invocation made: which one, to which channel, when, and whether it was 429'd. */
  slackLog: ReadonlyArray<SlackLogEntry>;
  /**
   * Deletes a message "in Slack", as a person could: from then on an edit of it, or a reply under it, is refused
   * as gone, and a metadata lookup no longer finds it. (The fake Slack keeps every message, so this is done on
   * the workers' side of the Slack port; `deletedSlackMessages` lets the checker read the record without them.)
   */
  deleteSlackMessage(channel: string, ts: string, options?: { onRefused?: () => void }): void;
  deletedSlackMessages: ReadonlySet<string>;
  /** Arms a DynamoDB fault (see {@link DynamoFault}). */
  injectDynamo(fault: DynamoFault): void;
  clearDynamoFaults(): void;
  /** DynamoDB faults that fired, by kind. */
  dynamoFaultsFired: Record<string, number>;
  /** Makes the queue misbehave from now on: every message sent twice when `duplicate` says so, and shuffled. */
  misbehave(chaos: { duplicate?: (poll: QueuedPoll) => boolean; random?: () => number }): void;
  /** One tick: the planner (once or more), then worker invocations, several at once, until no message is visible. */
  cycle(options?: CycleOptions): Promise<CycleOutcome>;
  watch(request: Omit<WatchRequest, 'region' | 'run' | 'taskName'> & { taskName?: string }): Promise<void>;
  stop(): Promise<void>;
}

export async function startRig(options: RigOptions = {}): Promise<Rig> {
  const clock = new ManualClock(Date.UTC(2025, 6, 9, 3, 0, 0));
  const [dynamo, sim, slack] = await Promise.all([
    startDynalite(),
    CodeArtsSimulator.start({ clock }),
    FakeSlack.start({
      now: () => clock.now(),
      ...(options.slackLimits ? { limits: options.slackLimits } : {}),
    }),
  ]);
  const store = new DynamoTaskStore({ client: dynamo.documentClient, tableName: dynamo.tableName });
  const insight = new DynamoInsightStore({
    client: dynamo.documentClient,
    tableName: dynamo.tableName,
    now: () => clock.now(),
  });
  const password = options.auth === 'password';
  if (password) sim.addUser(IAM_USER);
  const codearts = simulatorClient(sim, {
    region: REGION,
    auth: password
      ? {
          type: 'password',
          domainName: IAM_USER.domain,
          userName: IAM_USER.name,
          password: IAM_USER.password,
        }
      : { type: 'token', token: sim.issueToken() },
    timeoutMs: options.codeartsTimeoutMs ?? 400,
    timeZone: TIME_ZONE,
    now: () => clock.now(),
  });
  const deleted = new Set<string>();
  const onRefused = new Map<string, () => void>();
  const slackAdapter = new SlackAdapter(
    createSlackWebClients({
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

  const now = () => clock.now();
  const ticks = new DynamoPlannerTicks(dynamo.documentClient, dynamo.tableName);
  const gates = new DynamoFleetGates(dynamo.documentClient, dynamo.tableName);
  const feedStatus = new DynamoFeedStatus(dynamo.documentClient, dynamo.tableName);
  const queue = new SimulatedQueue({ now, visibilityTimeoutMs: options.visibilityTimeoutMs ?? 60_000 });
  const indexed = options.indexPageSize
    ? new DynamoTaskStore({
        client: dynamo.documentClient,
        tableName: dynamo.tableName,
        pageSize: options.indexPageSize,
      })
    : store;
  // What each worker invocation counted: the numeric fields of its summary log line ("Batch polled").
  const summaries: Array<Record<string, unknown>> = [];
  const workerLogger: Logger = {
    ...silentLogger,
    info: (message, extra) => {
      if (message === 'Batch polled' && extra) summaries.push(extra);
    },
  };
  const metricsPort = { add: (_name: string, _value: number, _unit?: MetricUnit) => {} };
  const plannerWith = (plannerQueue: PollQueue) =>
    createPlannerHandler(() => ({
      deps: {
        index: indexed,
        ticks,
        queue: plannerQueue,
        gates,
        feed: codearts,
        feedStatus,
        logger: silentLogger,
        metrics: metricsPort,
        now,
      },
      settings: {
        intervalSeconds: options.tickSeconds ?? 10,
        changeFeed: options.changeFeed ?? false,
        sweepMinutes: options.sweepMinutes ?? 1,
        ...(options.indexPageSize ? { progressEvery: options.indexPageSize } : {}),
      },
    }));
  const planner = plannerWith(queue);
  // Each cycle is a tick of its own, as each new scheduled time is.
  let lastTick = 0;
  const slackLog: SlackLogEntry[] = [];
  let sequence = 0;
  let invocations = 0;
  /** The Slack port of one worker invocation, logging each call it makes. */
  const loggedSlack = (worker: number): SlackPort => {
    const logged = async <R>(channel: string, limit: string, call: () => Promise<R>): Promise<R> => {
      const entry: SlackLogEntry = {
        worker,
        channel,
        limit,
        at: clock.now(),
        started: ++sequence,
        answered: 0,
        rateLimited: false,
      };
      slackLog.push(entry);
      try {
        return await call();
      } catch (error) {
        entry.rateLimited = error instanceof SlackDeliveryError && error.kind === 'rate-limited';
        throw error;
      } finally {
        entry.answered = ++sequence;
      }
    };
    return {
      post: (target, message) =>
        logged(target.channel, `post:${target.channel}`, () => slackPort.post(target, message)),
      update: (ref, message) => logged(ref.channel, 'update', () => slackPort.update(ref, message)),
      findByMetadata: (query) => logged(query.channel, 'lookup', () => slackPort.findByMetadata(query)),
      getPermalink: (ref) => logged(ref.channel, 'permalink', () => slackPort.getPermalink(ref)),
    };
  };

  const rig: Rig = {
    token: sim.issueToken(),
    clock,
    sim,
    slack,
    dynamo,
    store,
    codearts,
    queue,
    slackPort,
    slackLog,
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
    misbehave: (chaos) => queue.misbehave(chaos),
    cycle: async ({ crash, hold, plannerInvocations = 1, lose, plannerRetry } = {}) => {
      const from = summaries.length;
      const processes: WorkerProcess[] = [];
      let batch = 0;
      const driver = new PipelineDriver({
        queue,
        now,
        planner,
        workers: options.workers ?? 3,
        batchSize: options.batchSize ?? 10,
        plannerTimeoutMs: PLANNER_TIMEOUT_MS,
        worker: () => {
          const proc = new WorkerProcess(crash, hold);
          processes.push(proc);
          const lost = lose?.(batch++) ?? false;
          const deps: WorkerDeps = {
            repository: proc.repository(store),
            codearts: proc.codearts(codearts),
            slack: proc.slack(loggedSlack(++invocations)),
            queue: proc.queue(queue),
            gates: proc.gates(gates),
            runs: proc.runs(insight),
            people: proc.people(insight),
            logger: workerLogger,
            metrics: metricsPort,
            timeZone: TIME_ZONE,
            consoleUrlTemplate: undefined,
            now,
          };
          const handler = createWorkerHandler(
            () => ({
              deps,
              settings: {
                callsPerWorker: options.callsPerWorker ?? 2,
                activePollSeconds: options.activePollSeconds ?? 0,
              },
            }),
            silentLogger,
          );
          return async (event, context) => {
            const response = await handler(event, context);
            // A dead process answers nothing; a lost answer is one nobody received: either way SQS offers the
            // batch again after the visibility timeout.
            await proc.drained();
            if (proc.dead) throw new ProcessKilled('the worker was killed');
            if (lost) throw new Error('the invocation timed out after doing its work');
            return response;
          };
        },
      });
      lastTick = Math.max(clock.now(), lastTick + 1);
      const scheduled = new Date(lastTick).toISOString();
      const plans: PlanReport[] = [];
      let plannerCrashes = 0;
      if (plannerRetry) {
        let pages = 0;
        const dying: PollQueue = {
          send: async (polls) => {
            if (pages++ >= plannerRetry.crashAfterPages) throw new ProcessKilled('the planner was killed');
            await queue.send(polls);
          },
        };
        const context = lambdaContext(now, PLANNER_TIMEOUT_MS);
        await plannerWith(dying)({ scheduledTime: scheduled }, context).catch(() => {
          plannerCrashes++;
        });
        clock.advance(plannerRetry.retryAfterMs);
      }
      try {
        for (let i = 0; i < plannerInvocations; i++) plans.push(await driver.tick(scheduled));
      } catch (error) {
        return { report: null, crashed: false, error };
      }
      const batches = await driver.drain();
      const worker: Record<string, number> = {};
      for (const summary of summaries.slice(from)) {
        for (const [name, value] of Object.entries(summary)) {
          if (typeof value === 'number') worker[name] = (worker[name] ?? 0) + value;
        }
      }
      const crashedBatches = processes.filter((p) => p.dead).length;
      return {
        report: {
          plans,
          plannerSkipped: plans.filter((p) => p.skipped).length,
          batches: batches.length,
          crashedBatches,
          plannerCrashes,
          worker,
        },
        crashed: crashedBatches > 0,
        error: undefined,
      };
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
    getPermalink: async (ref) => {
      if (gone(ref.channel, ref.ts)) throw refused('message_not_found');
      return port.getPermalink(ref);
    },
  };
}

function timeoutError(): Error {
  const error = new Error('Request timed out (injected)');
  error.name = 'TimeoutError';
  return error;
}
