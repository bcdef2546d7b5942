// core → the domain vocabulary every other layer speaks: runs, steps, events, subscriptions.
// Pure types and tiny helpers only; no I/O, no clock, no environment.

/** Execution status of a CodeArts run, as reported in `result.status` (unknown values map to 'unknown'). */
export type RunStatus =
  | 'pending'
  | 'running'
  | 'succeeded'
  | 'failed'
  | 'timeout'
  | 'abort'
  | 'not_started'
  | 'unknown';

export const TERMINAL_RUN_STATUSES: ReadonlySet<RunStatus> = new Set<RunStatus>([
  'succeeded',
  'failed',
  'timeout',
  'abort',
  'not_started',
]);

export const isTerminal = (status: RunStatus): boolean => TERMINAL_RUN_STATUSES.has(status);

/**
 * Inferred progress of one step. CodeArts reports no per-step status, so this is derived from the
 * run status and the steps' progress counters (see design §6), and only ever moves forward:
 * pending → running → done | failed. Disabled steps are 'skipped' and never reported.
 */
export type StepProgress = 'pending' | 'running' | 'done' | 'failed' | 'skipped';

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

export type TaskEvent =
  | { type: 'run.started'; recordId: string }
  | { type: 'step.started'; recordId: string; step: number; name: string }
  | { type: 'step.finished'; recordId: string; step: number; name: string; elapsed: number | null }
  | { type: 'step.failed'; recordId: string; step: number; name: string; faqUrl: string | null }
  | { type: 'run.finished'; recordId: string; status: RunStatus; durationSeconds: number | null };

export type TaskEventType = TaskEvent['type'];

/** A key unique to one transition of one run; used to reconcile deliveries whose outcome is unknown. */
export const eventKey = (event: TaskEvent): string =>
  'step' in event ? `${event.recordId}/${event.type}/${event.step}` : `${event.recordId}/${event.type}`;

/** Who hears about a task, and how (design §5). */
export type NotifyLevel = 'all' | 'failures' | 'status';
export type DeliveryMode = 'thread' | 'messages';

export interface SubscriptionOptions {
  notify: NotifyLevel;
  mode: DeliveryMode;
  /** Slack user IDs to mention on failure. */
  mentions: string[];
}
