// core → which watched tasks a planner tick sends to the workers, as queue messages, and which CodeArts projects it
// asks the change feed about first. Pure: the planner reads the watch index, the gates and the feed; this decides;
// the planner sends.

import type { PollMessage, QueuedPoll, WatchIndexEntry } from '../ports.js';
import {
  type FeedStatus,
  type FeedView,
  feedShowsRunInProgress,
  isFailing,
  projectKey,
  sameFeedView,
} from './feed.js';
import { clampDelaySeconds } from './queue-delay.js';

export interface TickPlan {
  /** The tick's ID (its scheduled time, ISO-8601): every message of the tick carries it. */
  tick: string;
  /** When the tick is scheduled (epoch ms) and the period of the schedule. */
  atMs: number;
  intervalSeconds: number;
  /** Follow-ups of this tick's polls stop here (epoch ms): the next tick plans afresh. */
  untilMs: number;
  /** Every message waits this long first (a CodeArts pause the fleet is under); 0–900. */
  delaySeconds: number;
  /** With the change feed on, every task is still polled directly this often; null: the feed is off. */
  sweepMinutes: number | null;
}

/** Why a task is polled this tick (counted in the planner's summary line). */
export type PollReason = 'active' | 'pending' | 'insight' | 'direct' | 'feed' | 'sweep' | 'deliver';

/** A quiet-hours summary or a digest of the task falls due by `atMs` (its poll records and tells it). */
export const insightDue = (entry: WatchIndexEntry, atMs: number): boolean =>
  typeof entry.insightDueAt === 'string' && Date.parse(entry.insightDueAt) <= atMs;

export interface PlannedPoll extends QueuedPoll {
  reason: PollReason;
}

/** A CodeArts project the planner asks the feed about this tick. */
export interface ProjectRef {
  key: string;
  region: string;
  projectId: string;
}

/** What the feed said this tick, by project key: each read project's tasks and their views. */
export type ProjectFeeds = ReadonlyMap<string, ReadonlyMap<string, FeedView>>;

/** FNV-1a: a stable, evenly spread hash of a task ID, so each task has its own sweep slot. */
function slotHash(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** The task's direct poll of the sweep falls on this tick: every task once per SWEEP_MINUTES, spread evenly. */
export function sweepDue(taskId: string, plan: TickPlan): boolean {
  if (plan.sweepMinutes === null) return true;
  const slots = Math.max(1, Math.floor((plan.sweepMinutes * 60) / plan.intervalSeconds));
  const tickIndex = Math.floor(plan.atMs / (plan.intervalSeconds * 1000));
  return slotHash(taskId) % slots === tickIndex % slots;
}

/** Polled this tick whatever the feed says. */
const dueAnyway = (entry: WatchIndexEntry, plan: TickPlan): boolean =>
  entry.active || entry.pending || insightDue(entry, plan.untilMs) || sweepDue(entry.taskId, plan);

export interface FeedChoice {
  /** Projects whose feed is asked this tick. */
  read: ProjectRef[];
  /** Projects polled directly because that costs no more calls than reading their feed. */
  cheaperDirect: number;
  /** Projects whose feed is failing and is not asked again yet. */
  backingOff: number;
}

/**
 * Which projects to ask the feed about: each project with a known ID, unless polling the tasks the feed would
 * spare costs no more calls than its pages, or its feed failed lately and is not due another try.
 */
export function projectsToRead(
  entries: readonly WatchIndexEntry[],
  plan: TickPlan,
  status: FeedStatus,
): FeedChoice {
  const choice: FeedChoice = { read: [], cheaperDirect: 0, backingOff: 0 };
  if (plan.sweepMinutes === null) return choice;
  const spared = new Map<string, { ref: ProjectRef; count: number }>();
  for (const entry of entries) {
    if (entry.gone || entry.projectId === null) continue;
    const key = projectKey(entry.region, entry.projectId);
    const project = spared.get(key) ?? {
      ref: { key, region: entry.region, projectId: entry.projectId },
      count: 0,
    };
    if (!dueAnyway(entry, plan)) project.count += 1;
    spared.set(key, project);
  }
  for (const { ref, count } of spared.values()) {
    const health = status.projects[ref.key];
    if (isFailing(health) && (health?.retryAt ?? 0) > plan.atMs) choice.backingOff += 1;
    else if (count <= (health?.pages ?? 1)) choice.cheaperDirect += 1;
    else choice.read.push(ref);
  }
  return choice;
}

/**
 * One poll per watched task that is due, in task ID order. A task is due when its run is in progress, it has
 * undelivered changes, a quiet-hours summary or digest of it falls due, its sweep falls on this tick, the feed was not read for its project (feed off, failing, or
 * dearer than direct polls, or its project not known yet), or the feed shows it moved or running. A task CodeArts
 * said is gone only has its notice (or a report falling due) delivered.
 */
export function duePolls(
  entries: readonly WatchIndexEntry[],
  plan: TickPlan,
  feeds: ProjectFeeds,
): PlannedPoll[] {
  const polls: PlannedPoll[] = [];
  for (const entry of entries) {
    const base = { taskId: entry.taskId, until: plan.untilMs, tick: plan.tick };
    if (entry.gone) {
      if (entry.pending || insightDue(entry, plan.untilMs)) {
        polls.push(planned({ ...base, observe: false }, 'deliver', plan));
      }
      continue;
    }
    const projectFeed =
      entry.projectId === null ? undefined : feeds.get(projectKey(entry.region, entry.projectId));
    const view = projectFeed === undefined ? undefined : (projectFeed.get(entry.taskId) ?? null);
    const reason = pollReason(entry, plan, view);
    if (reason === null) continue;
    const message: PollMessage = { ...base, observe: true, ...(view ? { feed: view } : {}) };
    polls.push(planned(message, reason, plan));
  }
  return polls.sort((a, b) =>
    a.message.taskId < b.message.taskId ? -1 : a.message.taskId > b.message.taskId ? 1 : 0,
  );
}

/** `view`: what the feed said (null: the task was not on the pages read); undefined: no feed for its project. */
function pollReason(
  entry: WatchIndexEntry,
  plan: TickPlan,
  view: FeedView | null | undefined,
): PollReason | null {
  if (entry.active) return 'active';
  if (entry.pending) return 'pending';
  if (insightDue(entry, plan.untilMs)) return 'insight';
  if (view === undefined) return 'direct';
  if (view !== null && (!sameFeedView(view, entry.feed) || feedShowsRunInProgress(view))) return 'feed';
  return sweepDue(entry.taskId, plan) ? 'sweep' : null;
}

const planned = (message: PollMessage, reason: PollReason, plan: TickPlan): PlannedPoll => ({
  message,
  delaySeconds: plan.delaySeconds,
  reason,
});

/** A poll that may wait for its slot of the tick (a sweep, a direct poll): nothing says its task moved, it checks. */
export const isCheck = (poll: PlannedPoll): boolean => poll.reason === 'sweep' || poll.reason === 'direct';

/**
 * The same polls with those that only check (sweeps, direct polls) spread over the first `seconds` of the tick,
 * each task always at the same offset, so it is still polled once a period; the rest go at once. A burst of
 * thousands of checks at the start of a tick would otherwise hold up, behind it on the queue, the re-polls of
 * running deployments and the polls of tasks the feed says moved.
 */
export function spreadPolls(polls: readonly PlannedPoll[], seconds: number): PlannedPoll[] {
  if (seconds <= 0) return [...polls];
  return polls.map((poll) =>
    isCheck(poll)
      ? {
          ...poll,
          delaySeconds: clampDelaySeconds(poll.delaySeconds + (slotHash(poll.message.taskId) % seconds)),
        }
      : poll,
  );
}

/** The tick a scheduled time (or, without one, a clock reading) belongs to: the start of its period. */
export function tickOf(
  scheduledTime: string | undefined,
  nowMs: number,
  intervalSeconds: number,
): { id: string; atMs: number } {
  const scheduled = scheduledTime === undefined ? Number.NaN : Date.parse(scheduledTime);
  const periodMs = intervalSeconds * 1000;
  const atMs = Number.isFinite(scheduled) ? scheduled : Math.floor(nowMs / periodMs) * periodMs;
  return { id: new Date(atMs).toISOString(), atMs };
}
