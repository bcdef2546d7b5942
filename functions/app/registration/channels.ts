// app → the channel's side of a watch: admitting it (projects allowed, caps) with a place in the channel's
// item, giving the place back on unwatch, and the channel's projects set through the API. The rules are
// core/trust.ts; this file reads and writes the channel item around them, conditionally on its version.
import type { Actor, AuditEntry, ChannelRecord, TaskRecord } from '../../core/model.js';
import {
  actorLabel,
  applyChannelProjects,
  applyChannelUnwatch,
  applyChannelWatch,
  checkWatch,
  reconcileChannel,
  type WatchLimits,
  type WatchRefusal,
} from '../../core/trust.js';
import type { ChannelStore, Logger, WatchStore } from '../../ports.js';

/** Conflicting writers retry a channel write a few times before giving up with an error. */
const MAX_CONFLICT_RETRIES = 5;
/** Task items read at once when a channel's entries are checked against them. */
const RECONCILE_READS_AT_ONCE = 10;

export class ChannelConflictError extends Error {
  override readonly name = 'ChannelConflictError';
}

/** The channel's rules refuse the watch; nothing was written. */
export class WatchRefusedError extends Error {
  override readonly name = 'WatchRefusedError';
  readonly refusal: WatchRefusal;

  constructor(refusal: WatchRefusal) {
    super(refusalMessage(refusal));
    this.refusal = refusal;
  }
}

const refusalMessage = (refusal: WatchRefusal): string => {
  switch (refusal.reason) {
    case 'project-not-allowed':
      return `This channel only watches tasks of certain CodeArts projects, and this task belongs to project ${refusal.projectId}`;
    case 'project-unknown':
      return 'This channel only watches tasks of certain CodeArts projects, and CodeArts could not be asked which project this task belongs to';
    case 'channel-full':
      return `This channel already watches ${refusal.limit} tasks, the most it may (MAX_WATCHES_PER_CHANNEL)`;
    case 'too-many-unverified':
      return `This channel already has ${refusal.limit} watches CodeArts has not confirmed yet, the most it may (MAX_UNVERIFIED_PER_CHANNEL)`;
  }
};

type Store = WatchStore & ChannelStore;

/** The channel with its entries checked against the task items (all, or only the unconfirmed ones). */
const reconciled = async (
  store: Store,
  channel: ChannelRecord,
  only: 'all' | 'unverified',
  now: string,
): Promise<ChannelRecord> => {
  const ids = Object.entries(channel.watches)
    .filter(([, watch]) => only === 'all' || !watch.verified)
    .map(([taskId]) => taskId);
  const tasks = new Map<string, TaskRecord | null>();
  for (let i = 0; i < ids.length; i += RECONCILE_READS_AT_ONCE) {
    const batch = ids.slice(i, i + RECONCILE_READS_AT_ONCE);
    const records = await Promise.all(batch.map((taskId) => store.getTask(taskId)));
    for (const [index, taskId] of batch.entries()) tasks.set(taskId, records[index] ?? null);
  }
  return reconcileChannel(channel, tasks, now);
};

/**
 * Takes a place for the watch in the channel's item, or throws {@link WatchRefusedError}. Written before the task
 * item, conditionally on the channel's version, so two watches at once cannot both take the last place.
 */
export const admitWatch = async (
  deps: { store: Store; limits: WatchLimits; now: string },
  read: ChannelRecord | null,
  channelId: string,
  watch: { taskId: string; projectId: string | null; verified: boolean; alreadyWatched: boolean },
  entry: AuditEntry,
): Promise<void> => {
  let channel = read;
  for (let attempt = 0; attempt < MAX_CONFLICT_RETRIES; attempt++) {
    if (attempt > 0) channel = await deps.store.getChannel(channelId);
    let refusal = checkWatch(channel, watch, deps.limits);
    if (
      channel !== null &&
      (refusal?.reason === 'channel-full' || refusal?.reason === 'too-many-unverified')
    ) {
      // A cap is reached: make sure every entry that holds a place is a real, still unconfirmed watch.
      const checked = await reconciled(
        deps.store,
        channel,
        refusal.reason === 'channel-full' ? 'all' : 'unverified',
        deps.now,
      );
      if (checked !== channel) {
        if (!(await deps.store.putChannel(checked, channel.version))) continue;
        channel = checked;
        refusal = checkWatch(channel, watch, deps.limits);
      }
    }
    if (refusal !== null) throw new WatchRefusedError(refusal);
    const next = applyChannelWatch(channel, channelId, watch, entry, deps.now);
    if (await deps.store.putChannel(next, channel?.version ?? null)) return;
  }
  throw new ChannelConflictError(`channel ${channelId} kept changing while a watch was being added`);
};

/** Gives the watch's place in the channel back, with the unwatch in the channel's trail. */
export const releaseWatch = async (
  store: ChannelStore,
  channelId: string,
  taskId: string,
  entry: AuditEntry,
  now: string,
): Promise<void> => {
  for (let attempt = 0; attempt < MAX_CONFLICT_RETRIES; attempt++) {
    const channel = await store.getChannel(channelId);
    const next = applyChannelUnwatch(channel, channelId, taskId, entry, now);
    if (await store.putChannel(next, channel?.version ?? null)) return;
  }
  throw new ChannelConflictError(`channel ${channelId} kept changing while a watch was being removed`);
};

/** Restricts the channel to `projects` (null: any project). Applies to watches added or changed from now on. */
export const setChannelProjects = async (
  deps: { store: ChannelStore; now: () => number; logger?: Logger },
  channelId: string,
  projects: readonly string[] | null,
  actor: Actor,
): Promise<ChannelRecord> => {
  const now = new Date(deps.now()).toISOString();
  for (let attempt = 0; attempt < MAX_CONFLICT_RETRIES; attempt++) {
    const channel = await deps.store.getChannel(channelId);
    const next = applyChannelProjects(channel, channelId, projects, actor, now);
    if (await deps.store.putChannel(next, channel?.version ?? null)) {
      deps.logger?.info('Channel projects set', {
        channel: channelId,
        projects: next.projects,
        by: actorLabel(actor),
      });
      return next;
    }
  }
  throw new ChannelConflictError(`channel ${channelId} kept changing while its projects were being set`);
};
