// core → how long a poll waits on the queue: SQS delays a message by whole seconds, at most 15 minutes. The one
// rule the planner, the workers and the queue adapter all apply.

/** SQS's longest DelaySeconds. */
export const MAX_DELAY_SECONDS = 900;

/** Whole seconds in 0–900, the range SQS accepts (anything not a number: no delay). */
export const clampDelaySeconds = (seconds: number): number =>
  Number.isFinite(seconds) ? Math.min(MAX_DELAY_SECONDS, Math.max(0, Math.ceil(seconds))) : 0;

/** The delay that makes a message visible at `atMs`, from `nowMs`. */
export const delayUntil = (atMs: number, nowMs: number): number => clampDelaySeconds((atMs - nowMs) / 1000);
