// core → who may do what: which Slack workspaces are served, which projects a channel may watch,
// how many watches (and unconfirmed ones) a channel may hold, and the audit trail every change leaves.
// Pure: records in, records out.
import { DEFAULTS } from '../shared/defaults.js';
import type { Actor, AuditEntry, ChannelRecord, TaskRecord, WatchRequest } from './model.js';

/** Audit entries kept per task and per channel: enough to answer "who did this", bounded so items stay small. */
export const AUDIT_ENTRIES_KEPT = 50;

/** What a channel may hold (MAX_WATCHES_PER_CHANNEL, MAX_UNVERIFIED_PER_CHANNEL). */
export interface WatchLimits {
  /** Watches per channel. */
  maxWatches: number;
  /** Watches stored while CodeArts could not confirm the task (the slash command during an outage). */
  maxUnverified: number;
}

export const DEFAULT_WATCH_LIMITS: WatchLimits = {
  maxWatches: DEFAULTS.maxWatchesPerChannel,
  maxUnverified: DEFAULTS.maxUnverifiedPerChannel,
};

/** A request from `team` is served: SLACK_TEAM_ID lists it, or lists nothing (any signed workspace). */
export const isAllowedWorkspace = (allowed: readonly string[], team: string): boolean =>
  allowed.length === 0 || allowed.includes(team);

export const auditEntry = (
  actor: Actor,
  action: string,
  channel: string,
  at: string,
  detail?: string,
): AuditEntry => ({
  at,
  via: actor.via,
  by: actor.via === 'slack' ? actor.user : actor.via === 'api' ? actor.key : actor.name,
  ...(actor.via === 'slack' ? { team: actor.team } : {}),
  action,
  channel,
  ...(detail === undefined || detail === '' ? {} : { detail }),
});

/** What a watch request sets, for the audit trail: `notify=failures mode=thread mentions=U1,U2 operators=S1 unverified`. */
export const watchDetail = (request: Pick<WatchRequest, 'options' | 'verified'>): string =>
  [
    `notify=${request.options.notify}`,
    `mode=${request.options.mode}`,
    ...(request.options.mentions.length > 0 ? [`mentions=${request.options.mentions.join(',')}`] : []),
    ...((request.options.operators?.length ?? 0) > 0
      ? [`operators=${request.options.operators?.join(',')}`]
      : []),
    ...(request.options.quietHours
      ? [
          `quiet_hours=${request.options.quietHours.from}-${request.options.quietHours.to}@${request.options.quietHours.timeZone}`,
        ]
      : []),
    ...(request.options.digest
      ? [`digest=${request.options.digest.every}@${request.options.digest.timeZone}`]
      : []),
    ...(request.verified === false ? ['unverified'] : []),
  ].join(' ');

/** `entries` with `added` at the end, the oldest dropped beyond {@link AUDIT_ENTRIES_KEPT}. */
export const appendAudit = (
  entries: readonly AuditEntry[] | undefined,
  ...added: AuditEntry[]
): AuditEntry[] => [...(entries ?? []), ...added].slice(-AUDIT_ENTRIES_KEPT);

/** The actor as one word for logs: `slack:U123@T456`, `api:dashboard`, `system:demo`. */
export const actorLabel = (actor: Actor): string =>
  actor.via === 'slack'
    ? `slack:${actor.user}@${actor.team}`
    : actor.via === 'api'
      ? `api:${actor.key}`
      : `system:${actor.name}`;

export const emptyChannel = (channel: string, now: string): ChannelRecord => ({
  channel,
  version: 0,
  projects: null,
  watches: {},
  audit: [],
  createdAt: now,
  updatedAt: now,
});

/** Why a watch may not be added to a channel. */
export type WatchRefusal =
  | { reason: 'project-not-allowed'; projectId: string }
  /** The channel is restricted, and CodeArts could not say which project the task belongs to. */
  | { reason: 'project-unknown' }
  | { reason: 'channel-full'; limit: number }
  | { reason: 'too-many-unverified'; limit: number };

/** True when the channel only takes tasks of some projects. */
export const isRestricted = (channel: ChannelRecord | null): boolean =>
  channel !== null && channel.projects !== null;

/**
 * Whether `taskId` may be watched in `channel` (null: a channel the notifier has no item for: open, empty).
 * `alreadyWatched` (the task item has this channel's subscription) makes it a change of options: the caps do
 * not apply to it. The project rule applies to every watch, so a restriction cannot be stepped around by
 * re-registering.
 */
export const checkWatch = (
  channel: ChannelRecord | null,
  request: { taskId: string; projectId: string | null; verified: boolean; alreadyWatched: boolean },
  limits: WatchLimits,
): WatchRefusal | null => {
  if (channel !== null && channel.projects !== null) {
    if (request.projectId === null) return { reason: 'project-unknown' };
    if (!channel.projects.includes(request.projectId.toLowerCase())) {
      return { reason: 'project-not-allowed', projectId: request.projectId };
    }
  }
  if (request.alreadyWatched) return null;
  const others = Object.entries(channel?.watches ?? {}).filter(([taskId]) => taskId !== request.taskId);
  if (others.length >= limits.maxWatches) return { reason: 'channel-full', limit: limits.maxWatches };
  if (!request.verified && others.filter(([, watch]) => !watch.verified).length >= limits.maxUnverified) {
    return { reason: 'too-many-unverified', limit: limits.maxUnverified };
  }
  return null;
};

const bump = (channel: ChannelRecord, now: string): ChannelRecord => ({
  ...channel,
  version: channel.version + 1,
  updatedAt: now,
});

/** The channel now watches `taskId` (or changed how), recorded in its audit trail. */
export const applyChannelWatch = (
  channel: ChannelRecord | null,
  channelId: string,
  watch: { taskId: string; verified: boolean },
  entry: AuditEntry,
  now: string,
): ChannelRecord => {
  const base = channel ?? emptyChannel(channelId, now);
  const known = base.watches[watch.taskId];
  return {
    ...bump(base, now),
    // Once confirmed, a watch stays confirmed: a later unconfirmed repeat does not make it count again.
    watches: { ...base.watches, [watch.taskId]: { verified: watch.verified || known?.verified === true } },
    audit: appendAudit(base.audit, entry),
  };
};

/** The channel no longer watches `taskId`. */
export const applyChannelUnwatch = (
  channel: ChannelRecord | null,
  channelId: string,
  taskId: string,
  entry: AuditEntry,
  now: string,
): ChannelRecord => {
  const base = channel ?? emptyChannel(channelId, now);
  const { [taskId]: _gone, ...watches } = base.watches;
  return { ...bump(base, now), watches, audit: appendAudit(base.audit, entry) };
};

/** Restrict the channel to `projects` (lower-cased, without repeats), or open it to any project (null). */
export const applyChannelProjects = (
  channel: ChannelRecord | null,
  channelId: string,
  projects: readonly string[] | null,
  actor: Actor,
  now: string,
): ChannelRecord => {
  const base = channel ?? emptyChannel(channelId, now);
  const next = projects === null ? null : [...new Set(projects.map((p) => p.toLowerCase()))].sort();
  const entry =
    next === null
      ? auditEntry(actor, 'open', channelId, now)
      : auditEntry(actor, 'restrict', channelId, now, `projects=${next.join(',')}`);
  return { ...bump(base, now), projects: next, audit: appendAudit(base.audit, entry) };
};

/**
 * The channel's watches as the task items say they are. A watch is listed in the channel item before its task
 * item is written (so two requests at once cannot both take the last place); a crash between the two, or an
 * unwatch whose second write failed, leaves an entry with no watch behind it. Run when a cap is reached:
 * entries whose task no longer has this channel's subscription go, and entries whose task has since been
 * confirmed by a poll count as confirmed. `tasks` holds the item of every task listed (null: no item).
 */
export const reconcileChannel = (
  channel: ChannelRecord,
  tasks: ReadonlyMap<string, TaskRecord | null>,
  now: string,
): ChannelRecord => {
  let changed = false;
  const watches: ChannelRecord['watches'] = {};
  for (const [taskId, watch] of Object.entries(channel.watches)) {
    if (!tasks.has(taskId)) {
      watches[taskId] = watch;
      continue;
    }
    const record = tasks.get(taskId) ?? null;
    if (record === null || !Object.hasOwn(record.subscriptions, channel.channel)) {
      changed = true;
      continue;
    }
    const verified = watch.verified || (record.health.lastSuccessAt !== null && !record.health.gone);
    if (verified !== watch.verified) changed = true;
    watches[taskId] = { verified };
  }
  return changed ? { ...bump(channel, now), watches } : channel;
};
