// core/insight → when a running step counts as stuck: well past its usual time, and past a floor so a
// 3-second step is never "stuck". Pure.
import type { RunState, StepState } from '../model.js';

/**
 * The rule, in seconds. A step is stuck once it has run
 *   max(FLOOR, usual + MARGIN, min(FACTOR × usual, usual + CAP))
 * - FLOOR (5 min): nothing shorter is ever called stuck, whatever its usual time;
 * - MARGIN (5 min): a short step gets a fixed allowance rather than a multiple of a few seconds;
 * - FACTOR (3×): a step of some minutes is stuck at three times its usual time;
 * - CAP (1 h): but a long step is not left three hours past its usual hour before anyone hears of it.
 * A step with no history has no usual time, and is never called stuck: there is nothing to compare with.
 */
export const STUCK_RULE = {
  floorSeconds: 300,
  marginSeconds: 300,
  factor: 3,
  capSeconds: 3600,
} as const;

/** How long a step with this usual time may run before it is stuck; null when there is no usual time. */
export function stuckAfterSeconds(usual: number | null, rule = STUCK_RULE): number | null {
  if (usual === null || !Number.isFinite(usual) || usual < 0) return null;
  return Math.max(
    rule.floorSeconds,
    usual + rule.marginSeconds,
    Math.min(rule.factor * usual, usual + rule.capSeconds),
  );
}

/** The running step of a run (the first one, if CodeArts ever reported two). */
export const runningStep = (run: RunState): StepState | null =>
  run.status === 'running' ? (run.steps?.find((s) => s.progress === 'running') ?? null) : null;

/**
 * How long the running step has run, in whole seconds: the longer of what CodeArts reports (`elapsed_time`, when
 * it moves while the step runs) and the time since the notifier first saw the step running (`sinceMs`), so the
 * answer holds whether CodeArts updates the counter as it goes or only at the end.
 */
export function runningSecondsOf(step: StepState, sinceMs: number | null, nowMs: number): number {
  const reported = step.elapsed !== null && Number.isFinite(step.elapsed) ? Math.max(0, step.elapsed) : 0;
  const seen = sinceMs === null ? 0 : Math.max(0, (nowMs - sinceMs) / 1000);
  return Math.floor(Math.max(reported, seen));
}
