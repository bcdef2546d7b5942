// app → one task polled by a worker: observe (CodeArts) → decide (core) → record (one conditional write, which
// also claims the delivery) → deliver (Slack) → record what was delivered. Each stage hands the next a value.
// Concurrent polls of the same task are safe: the version-conditional write lets one writer win at a time, and
// only the holder of the delivery claim tells Slack.
import type { FeedView } from '../../core/feed.js';
import { decidePoll, type PollDecision, reportsDue } from '../../core/insight/decide-insight.js';
import type { TaskRecord } from '../../core/model.js';
import type { Observation } from '../../core/observation.js';
import {
  applyDeliveries,
  type ClaimRequest,
  claimForDelivery,
  isRunActive,
  releaseDeliveryClaim,
} from '../../core/task-record.js';
import {
  CodeArtsError,
  type CodeArtsPort,
  type Logger,
  type PeopleDirectory,
  type RunArchive,
  type SlackPort,
  type TaskRepository,
} from '../../ports.js';
import type { SlackConditions } from '../deliver/slack-conditions.js';
import type { SubscriptionDelivery } from '../deliver/subscription.js';
import { deliverTask } from '../deliver/task.js';
import { updateTask } from '../task-updates.js';
import { type ActingDeps, actOnPresses } from './act.js';
import { observe } from './observe.js';

export interface PollTaskDeps {
  repository: TaskRepository;
  codearts: CodeArtsPort;
  slack: SlackPort;
  logger: Logger;
  /** Zone of CodeArts' zone-less timestamps (for the history API's dates). */
  timeZone: string;
  consoleUrlTemplate: string | undefined;
  now: () => number;
  /** Acting on buttons pressed in Slack (app/poll/act.ts); without it, presses wait for a worker that has it. */
  acting?: ActingDeps;
  /** Summaries of finished runs, for digests and quiet-hours summaries; without it there are none. */
  runs?: RunArchive;
  /** Who executors are in Slack; without it runs show their CodeArts names. */
  people?: PeopleDirectory;
}

/** What the task's poll shares with the other polls of its worker invocation. */
export interface InvocationContext {
  /** The delivery claim's owner: this invocation. */
  id: string;
  /** When a claim taken now lapses: after this the invocation can no longer be running. */
  claimUntilMs: number;
  slack: SlackConditions;
  /** Until when CodeArts asked the fleet to slow down (epoch ms); a throttled call moves it. */
  codeartsPausedUntil(): number;
  pauseCodeArts(untilMs: number): void;
  /** Runs CodeArts calls within the invocation's share of the call budget. */
  withCodeArtsSlot<T>(calls: () => Promise<T>): Promise<T>;
  signal?: AbortSignal;
}

export interface TaskPollResult {
  taskId: string;
  /** 'unwatched': no item (any more); 'paused': CodeArts is throttling, nothing was asked; 'done' otherwise. */
  status: 'done' | 'unwatched' | 'paused';
  /** CodeArts was asked (one or more calls). */
  polled: boolean;
  events: number;
  detectionLagsMs: number[];
  writes: number;
  deliveries: SubscriptionDelivery[];
  /** Why CodeArts could not be read this time (health recorded, snapshot untouched). */
  failure: string | null;
  throttled: boolean;
  /** A run is in progress after this poll. */
  active: boolean;
  /** Something is left to do no sooner than this (Slack's Retry-After, CodeArts throttling); null: nothing. */
  retryAt: number | null;
}

const emptyResult = (taskId: string, status: TaskPollResult['status']): TaskPollResult => ({
  taskId,
  status,
  polled: false,
  events: 0,
  detectionLagsMs: [],
  writes: 0,
  deliveries: [],
  failure: null,
  throttled: false,
  active: false,
  retryAt: null,
});

const NOTHING_DECIDED: PollDecision = {
  next: null,
  events: [],
  detectionLagsMs: [],
  refreshRecordId: null,
  archive: [],
};

/** Polls one task (`observe`: ask CodeArts; otherwise only deliver what is pending). Store failures propagate. */
export async function pollTask(
  deps: PollTaskDeps,
  invocation: InvocationContext,
  taskId: string,
  options: { observe: boolean; feed?: FeedView },
): Promise<TaskPollResult> {
  // Eventually consistent: every write below is conditional on this version, and re-reads consistently.
  // ─── Acting from Slack (app/poll/act.ts): presses first, so this poll already sees what they did. ───
  const record = await actOnPresses(
    deps,
    invocation,
    await deps.repository.getTask(taskId, { consistent: false }),
  );
  if (record === null) return emptyResult(taskId, 'unwatched');

  let observation: Observation | null = null;
  let polled = false;
  if (options.observe && !record.health.gone) {
    const looked = await invocation.withCodeArtsSlot(async () => {
      // Checked once the slot is ours: a poll that waited for it may have waited past a 429 another poll met.
      const pausedUntil = invocation.codeartsPausedUntil();
      if (pausedUntil > deps.now()) return { pausedUntil, throttled: false };
      polled = true;
      try {
        return await observe(deps, record, deps.now(), invocation.signal);
      } catch (error) {
        if (!(error instanceof CodeArtsError && error.kind === 'throttled')) throw error;
        // CodeArts asks everyone to slow down: the fleet pauses, and this task comes back after the pause.
        const until = deps.now() + (error.retryAfterMs ?? 3000);
        invocation.pauseCodeArts(until);
        return { pausedUntil: until, throttled: true };
      }
    });
    if ('pausedUntil' in looked) {
      const paused = emptyResult(taskId, 'paused');
      return {
        ...paused,
        polled,
        throttled: looked.throttled,
        active: isRunActive(record),
        retryAt: looked.pausedUntil,
      };
    }
    observation = looked;
  }

  const polledAt = deps.now();
  const claim: ClaimRequest = { by: invocation.id, nowMs: polledAt, untilMs: invocation.claimUntilMs };
  const { runs } = deps;
  // A quiet-hours summary or digest falling due is made from the stored run summaries, read once here.
  const summaries =
    runs !== undefined && reportsDue(record, polledAt) ? await runs.listRunSummaries(taskId) : undefined;
  const recorded = await updateTask(
    deps.repository,
    taskId,
    (current) => {
      if (current === null) return { next: null, result: { decision: NOTHING_DECIDED, claimed: false } };
      const decision = decidePoll(current, observation, polledAt, {
        ...(summaries === undefined ? {} : { summaries }),
        ...(options.feed === undefined ? {} : { feed: options.feed }),
      });
      const { next, claimed } = claimForDelivery(current, decision.next, decision.refreshRecordId, claim);
      // The summaries of the runs this change ends are stored first, so a crash in between loses none of them.
      const archive = decision.archive;
      const before =
        runs === undefined || archive.length === 0 || next === null
          ? undefined
          : async () => {
              for (const { slot, summary } of archive) await runs.putRunSummary(taskId, slot, summary);
            };
      return { next, result: { decision, claimed }, ...(before === undefined ? {} : { before }) };
    },
    record,
  );
  const { decision, claimed } = recorded.result;
  const base = {
    ...emptyResult(taskId, 'done'),
    polled,
    events: recorded.written ? decision.events.length : 0,
    detectionLagsMs: recorded.written ? decision.detectionLagsMs : [],
    writes: recorded.written ? 1 : 0,
    failure: observation?.kind === 'failed' ? observation.error : null,
  };
  const current = recorded.record;
  // Unwatched meanwhile, or other writers kept winning (the next poll starts afresh).
  if (current === null) return { ...base, status: 'unwatched' };
  if (!claimed || !recorded.written) return { ...base, active: isRunActive(current) };

  // Batches already in the outbox may have been attempted by an earlier worker whose answer was lost; only a batch
  // this poll recorded itself is known to be new.
  const recordedHere = recorded.base !== null && current.lastSeq > recorded.base.lastSeq;
  const delivered = await deliverTask({ ...deps, conditions: invocation.slack, nowMs: deps.now }, current, {
    reconcileUpToSeq: recordedHere ? current.lastSeq - 1 : current.lastSeq,
    refreshRecordId: decision.refreshRecordId,
  });
  const now = new Date(deps.now()).toISOString();
  // Always written while we hold the claim: it is given back, whatever Slack did.
  const marked = await updateTask(
    deps.repository,
    taskId,
    (latest) => ({
      next:
        latest === null
          ? null
          : releaseDeliveryClaim(applyDeliveries(latest, delivered.deliveries, now), invocation.id),
      result: undefined,
    }),
    current,
  );
  const final: TaskRecord = marked.record ?? current;
  return {
    ...base,
    writes: base.writes + (marked.written ? 1 : 0),
    deliveries: delivered.deliveries,
    active: isRunActive(final),
    retryAt: delivered.retryAt,
  };
}
