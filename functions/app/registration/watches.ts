// app → the registration use cases: watch (verified with CodeArts first, admitted by the channel's rules), list,
// inspect, unwatch. Depends only on ports; the HTTP API and the slash command are two doors into the same rooms,
// so both leave the same audit trail and the same log lines.
import type { Actor, RunState, TaskRecord, WatchOutcome, WatchRequest } from '../../core/model.js';
import { applyWatch } from '../../core/task-record.js';
import {
  actorLabel,
  auditEntry,
  DEFAULT_WATCH_LIMITS,
  isRestricted,
  type WatchLimits,
  watchDetail,
} from '../../core/trust.js';
import {
  type ChannelStore,
  CodeArtsError,
  type CodeArtsPort,
  type Logger,
  type WatchStore,
} from '../../ports.js';
import { admitWatch, releaseWatch, WatchRefusedError } from './channels.js';
import type { WatchInput } from './schema.js';
import { type VerifiedTask, verifyTask } from './verify.js';

export { WatchRefusedError };

export interface RegistrationDeps {
  store: WatchStore & ChannelStore;
  codearts: CodeArtsPort;
  defaultRegion: string;
  now: () => number;
  /** What a channel may hold; default {@link DEFAULT_WATCH_LIMITS}. */
  limits?: WatchLimits;
  /** Where every change of a watch is recorded with who made it. */
  logger?: Logger;
}

export interface WatchResult {
  record: TaskRecord;
  outcome: WatchOutcome;
  /** The run CodeArts reported now (or, unverified, the one we already knew). */
  run: RunState | null;
  /** False when CodeArts was too slow or unavailable and the watch was stored on trust. */
  verified: boolean;
  /** Why it is unverified: what CodeArts answered (a transient failure). */
  verification: CodeArtsError | null;
}

export interface WatchPolicy {
  signal?: AbortSignal;
  /**
   * Store the watch even when CodeArts is slow or unavailable (the slash command must answer within 3 s;
   * the first poll confirms the task). Definite answers (unknown task, refused credentials) still refuse.
   */
  storeWhenUnverified?: boolean;
}

const isoNow = (deps: Pick<RegistrationDeps, 'now'>): string => new Date(deps.now()).toISOString();

/**
 * Verifies the task with CodeArts, admits it by the channel's rules (projects, caps), then stores the watch.
 * Nothing is written when verification fails (a CodeArtsError) or the channel refuses (WatchRefusedError).
 */
export const watchTask = async (
  deps: RegistrationDeps,
  input: WatchInput,
  actor: Actor,
  policy: WatchPolicy = {},
): Promise<WatchResult> => {
  const [existing, channel] = await Promise.all([
    deps.store.getTask(input.taskId),
    deps.store.getChannel(input.channel),
  ]);
  // A task already watched keeps its region unless the caller names one: the ID alone identifies it.
  const region = input.region ?? existing?.region ?? deps.defaultRegion;
  const knownProject = existing?.projectId ?? null;
  let verified: VerifiedTask;
  let verification: CodeArtsError | null = null;
  try {
    verified = await verifyTask(deps, input.taskId, region, policy.signal, {
      needProject: isRestricted(channel) && knownProject === null,
    });
  } catch (error) {
    if (!(error instanceof CodeArtsError) || !error.transient || policy.storeWhenUnverified !== true) {
      throw error;
    }
    verification = error;
    // The store keeps a known task's name and snapshot; for a new one, the first poll takes the baseline.
    verified = { taskName: existing?.taskName ?? '', run: existing?.run ?? null, projectId: null };
  }
  const projectId = verified.projectId ?? knownProject;
  const now = isoNow(deps);
  const request: WatchRequest = {
    taskId: input.taskId,
    region,
    taskName: verified.taskName,
    run: verified.run,
    channel: input.channel,
    options: input.options,
    verified: verification === null,
    ...(projectId === null ? {} : { projectId }),
    actor,
  };
  const alreadyWatched = existing !== null && Object.hasOwn(existing.subscriptions, input.channel);
  // A repeat changes nothing, so it needs no place in the channel and leaves no trail.
  if (applyWatch(existing, request, now).outcome !== 'unchanged') {
    await admitWatch(
      { store: deps.store, limits: deps.limits ?? DEFAULT_WATCH_LIMITS, now },
      channel,
      input.channel,
      { taskId: input.taskId, projectId, verified: verification === null, alreadyWatched },
      auditEntry(actor, alreadyWatched ? 'update' : 'watch', input.channel, now, watchDetail(request)),
    );
  }
  const { record, outcome } = await deps.store.watch(request, now);
  if (outcome !== 'unchanged') {
    deps.logger?.info('Watch stored', {
      taskId: input.taskId,
      channel: input.channel,
      outcome,
      verified: verification === null,
      by: actorLabel(actor),
    });
  }
  return { record, outcome, run: verified.run, verified: verification === null, verification };
};

/** Every watched task, in the store's order. */
export const listWatches = async (store: WatchStore): Promise<TaskRecord[]> => {
  const records: TaskRecord[] = [];
  for await (const record of store.listTasks()) records.push(record);
  return records;
};

export type UnwatchResult =
  | { status: 'task-not-found' }
  | { status: 'channel-not-found'; record: TaskRecord }
  | { status: 'removed'; removedChannels: string[]; remaining: TaskRecord | null };

/** Stops watching in one channel, or in all of them. Says precisely what was not there. */
export const unwatchTask = async (
  deps: Pick<RegistrationDeps, 'store' | 'now' | 'logger'>,
  taskId: string,
  channel: string | undefined,
  actor: Actor,
): Promise<UnwatchResult> => {
  const record = await deps.store.getTask(taskId);
  if (record === null) return { status: 'task-not-found' };
  if (channel !== undefined && !Object.hasOwn(record.subscriptions, channel)) {
    return { status: 'channel-not-found', record };
  }
  const removedChannels = channel === undefined ? Object.keys(record.subscriptions).sort() : [channel];
  const now = isoNow(deps);
  const remaining = await deps.store.unwatch(taskId, channel, now, actor);
  for (const removed of removedChannels) {
    // The watch is gone whatever happens here; a channel item left behind is put right when a cap is reached.
    await releaseWatch(deps.store, removed, taskId, auditEntry(actor, 'unwatch', removed, now), now).catch(
      (error: unknown) =>
        deps.logger?.warn('Channel item not updated after an unwatch', { taskId, channel: removed, error }),
    );
  }
  deps.logger?.info('Watch removed', { taskId, channels: removedChannels, by: actorLabel(actor) });
  // Removed by someone else between our read and our write: the caller's intent holds all the same.
  if (remaining === 'not-found') return { status: 'removed', removedChannels, remaining: null };
  return { status: 'removed', removedChannels, remaining };
};
