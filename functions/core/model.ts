// core → the domain vocabulary every other layer speaks: runs, steps, events, subscriptions.
// Pure types and tiny helpers only; no I/O, no clock, no environment.

import type { ActionNote, ActionRequest } from './actions.js';
import type { FeedView } from './feed.js';
import type { InsightReport, TaskInsight } from './insight/model.js';
import type { DigestOptions } from './insight/periods.js';
import type { QuietHours } from './insight/quiet-hours.js';

/** Every execution status of a CodeArts run, as reported in `result.status`; anything else is 'unknown'. */
export const RUN_STATUSES = [
  'pending',
  'running',
  'succeeded',
  'failed',
  'timeout',
  'abort',
  'not_started',
  'unknown',
] as const;

/** Execution status of a CodeArts run, as reported in `result.status` (unknown values map to 'unknown'). */
export type RunStatus = (typeof RUN_STATUSES)[number];

export const TERMINAL_RUN_STATUSES: ReadonlySet<RunStatus> = new Set<RunStatus>([
  'succeeded',
  'failed',
  'timeout',
  'abort',
  'not_started',
]);

export const isTerminal = (status: RunStatus): boolean => TERMINAL_RUN_STATUSES.has(status);

/** Every inferred progress a step can have. */
export const STEP_PROGRESSES = ['pending', 'running', 'done', 'failed', 'skipped'] as const;

/**
 * Inferred progress of one step. CodeArts reports no per-step status, so this is derived from the
 * run status and the steps' progress counters (core/step-inference.ts), and only ever moves forward:
 * pending → running → done | failed. Disabled steps are 'skipped' and never reported.
 */
export type StepProgress = (typeof STEP_PROGRESSES)[number];

export interface StepState {
  /** Position in `step_state[]` (0-based); the order steps run in. */
  index: number;
  /** StepInfo.id as a string ('' when absent). */
  id: string;
  name: string;
  enabled: boolean;
  progress: StepProgress;
  /** Raw `elapsed_time` (the unit is undocumented; rendered as seconds with care). null when absent. */
  elapsed: number | null;
  /** Raw `current_offset` (log progress); null when absent. */
  currentOffset: number | null;
  /** The step's FAQ link, if CodeArts gave one. */
  faqUrl: string | null;
}

/** One deployment run (execution record) of a task, normalised from a `/state` response. */
export interface RunState {
  recordId: string;
  taskId: string;
  taskName: string;
  status: RunStatus;
  /** `result.status` exactly as sent (useful when status is 'unknown'). */
  rawStatus: string;
  /** `result.step === 'finish'`. */
  stepsFinished: boolean;
  /** ISO-8601 UTC, converted from CodeArts' zone-less local time; null when absent or unparseable. */
  startedAt: string | null;
  endedAt: string | null;
  /** Who ran it: `executor`, else `nick_name`, else ''. */
  executor: string;
  /** null when the response carried no `step_state`. */
  steps: StepState[] | null;
}

/** Set on the end of a step that was called stuck (see core/insight/stuck.ts): its thread hears that it ended. */
export interface AfterStuck {
  usualSeconds: number;
}

/** Set on a success that ended a run of failures (see core/insight/decide-insight.ts). */
export interface Fix {
  /** The last failed run, whose message the fix links (and which gets a line pointing at the fix). */
  recordId: string;
  /** When the first of the failures ended (ISO). */
  brokenSince: string;
  failedRuns: number;
}

export type TaskEvent =
  | { type: 'run.started'; recordId: string }
  | { type: 'step.started'; recordId: string; step: number; name: string }
  | {
      type: 'step.finished';
      recordId: string;
      step: number;
      name: string;
      elapsed: number | null;
      wasStuck?: AfterStuck;
    }
  | {
      type: 'step.failed';
      recordId: string;
      step: number;
      name: string;
      faqUrl: string | null;
      wasStuck?: AfterStuck;
    }
  /** A step running far longer than usual (once per run and step). */
  | {
      type: 'step.stuck';
      recordId: string;
      step: number;
      name: string;
      runningSeconds: number;
      usualSeconds: number;
    }
  | {
      type: 'run.finished';
      recordId: string;
      status: RunStatus;
      durationSeconds: number | null;
      fixes?: Fix;
    };

export type TaskEventType = TaskEvent['type'];

/** A key unique to one transition of one run; used to reconcile deliveries whose outcome is unknown. */
export const eventKey = (event: TaskEvent): string =>
  'step' in event ? `${event.recordId}/${event.type}/${event.step}` : `${event.recordId}/${event.type}`;

/** Who hears about a task, and how (a watch's `notify` and `mode`, docs/api.md `POST /tasks`). */
export type NotifyLevel = 'all' | 'failures' | 'status';
export type DeliveryMode = 'thread' | 'messages';

export interface SubscriptionOptions {
  notify: NotifyLevel;
  mode: DeliveryMode;
  /** Slack user IDs to mention on failure. */
  mentions: string[];
  /**
   * Who may stop, re-run and roll back this task from Slack: user IDs (U…, W…) and user-group IDs (S…). Absent or
   * empty: the watch shows no buttons.
   */
  operators?: string[];
  /** Inside these hours only failures and stuck steps are posted; the rest is summed up when they end. */
  quietHours?: QuietHours | null;
  /** One message per day or week with the task's figures. */
  digest?: DigestOptions | null;
}

// ─── Who did what ────────────────────────────────────────────────────────────────────────────────

/** Who asks for a change: a Slack user in a workspace, an API key (by its name), or the service itself. */
export type Actor =
  | { via: 'slack'; user: string; team: string }
  | { via: 'api'; key: string }
  | { via: 'system'; name: string };

/**
 * One line of an audit trail: when, who, what, where. `action` is `watch`, `update`, `unwatch` for watches and
 * `restrict`, `open` for a channel's projects; `stop`, `rerun`, `rollback` for buttons pressed in Slack.
 */
export interface AuditEntry {
  at: string;
  via: Actor['via'];
  /** The Slack user ID, the API key's name, or the part of the service (`demo`). */
  by: string;
  /** The Slack workspace, for changes made from Slack. */
  team?: string;
  action: string;
  channel: string;
  /** What the change set, in brief (`notify=failures mode=thread`, `projects=…`). */
  detail?: string;
}

// ─── Task items ──────────────────────────────────────────────────────────────────────────────────

/** A Slack message: its channel ID and `ts` (what `chat.update` and thread replies need). */
export interface SlackMessageRef {
  channel: string;
  ts: string;
}

/** A channel watching a task, with its delivery progress. One per (task, channel). */
export interface Subscription extends SubscriptionOptions {
  channel: string;
  createdAt: string;
  /** Highest outbox batch seq delivered to this channel. */
  deliveredSeq: number;
  /** Set when Slack refused this channel permanently; delivery stops until it is re-registered. */
  broken: { code: string; message: string; at: string } | null;
  /** The living message of each recent run in this channel, by record ID. */
  messages: Record<string, SlackMessageRef>;
}

/** Changes seen in one poll, kept in the task item until every subscription has them (the outbox). */
export interface OutboxBatch {
  seq: number;
  at: string;
  events: TaskEvent[];
  /** The state of every run the events belong to, as of this batch (for rendering). */
  runs: RunState[];
  /** A notice about the watch itself (the task was deleted in CodeArts). */
  notice?: { kind: 'task-gone'; code: string };
  /** What a button pressed in Slack did (stopped, re-ran, rolled back), told in the channel it was pressed in. */
  action?: ActionNote;
  /** The failed runs successes of this batch fixed, as last seen: their living messages get a line about the fix. */
  fixedRuns?: RunState[];
  /** A message for one channel only: its quiet-hours summary or its digest. */
  report?: InsightReport;
}

export interface PollHealth {
  lastPollAt: string | null;
  lastSuccessAt: string | null;
  consecutiveFailures: number;
  /** Set after repeated failures; cleared on recovery. */
  staleSince: string | null;
  lastError: string | null;
  /** CodeArts said the task no longer exists. */
  gone: boolean;
}

export interface TaskRecord {
  taskId: string;
  region: string;
  taskName: string;
  /** Bumped by every write; every write is conditional on it. */
  version: number;
  /** The task's CodeArts project ID (for the history API and the change feed); learned by the first poll. */
  projectId?: string;
  /** What the change feed said about the task when a poll last acted on it (core/feed.ts). */
  feed?: FeedView;
  /** The latest run as we last saw it (merged, monotone); null until CodeArts reports a run. */
  run: RunState | null;
  /** Undelivered (to at least one subscription) change batches, oldest first. */
  outbox: OutboxBatch[];
  /** Highest seq ever assigned to a batch. */
  lastSeq: number;
  subscriptions: Record<string, Subscription>;
  health: PollHealth;
  /** The last few delivered change batches (events only), newest last, for `GET /tasks/{id}`. */
  recent?: Array<{ seq: number; at: string; events: TaskEvent[] }>;
  /**
   * The worker telling Slack about this task now, and until when (epoch ms) the claim holds: only the holder
   * delivers, so two workers polling the task at once never post the same change twice. A claim outlives its
   * holder's invocation; after that anyone may take it (and looks in Slack before posting again).
   */
  deliveryClaim?: { by: string; until: number };
  /** Who changed which watch of this task, and when; oldest first, the last few kept. */
  audit?: AuditEntry[];
  /** The last run of the task seen to succeed (what a roll back deploys again); kept as runs finish. */
  lastSucceeded?: { recordId: string; endedAt: string | null };
  /** Buttons pressed in Slack, by press key (core/actions.ts): waiting for a worker, being done, or done. */
  actions?: Record<string, ActionRequest>;
  /** What the notifier learned about the task's runs (usual times, failures, quiet hours, digests). */
  insight?: TaskInsight;
  createdAt: string;
  updatedAt: string;
}

export interface WatchRequest {
  taskId: string;
  region: string;
  taskName: string;
  /** The task's current run as CodeArts reported it at registration: the baseline (history is not replayed). */
  run: RunState | null;
  channel: string;
  options: SubscriptionOptions;
  /** false when CodeArts could not confirm the task in time: the first poll then takes the baseline. Default true. */
  verified?: boolean;
  /** The task's CodeArts project, when registration learned it. */
  projectId?: string;
  /** Who asks; recorded in the task's audit trail. */
  actor?: Actor;
}

// ─── Channel items ───────────────────────────────────────────────────────────────────────────────

/** What the notifier keeps per Slack channel: which projects it may watch, what it watches, who changed it. */
export interface ChannelRecord {
  channel: string;
  /** Bumped by every write; every write is conditional on it. */
  version: number;
  /** CodeArts project IDs (lower case) whose tasks this channel may watch; null: any project (the default). */
  projects: string[] | null;
  /** The tasks watched here, and whether CodeArts had confirmed each when it was added. */
  watches: Record<string, { verified: boolean }>;
  /** Who changed this channel's watches or projects, and when; oldest first, the last few kept. */
  audit: AuditEntry[];
  createdAt: string;
  updatedAt: string;
}

/** 'created': new task item; 'subscribed': new channel on a known task; 'updated': options changed; 'unchanged': a repeat. */
export type WatchOutcome = 'created' | 'subscribed' | 'updated' | 'unchanged';
