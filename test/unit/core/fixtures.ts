// Builders shared by the core tests: compact RunStates, and the events they give (the `/state` bodies are in
// test/support/state-bodies.ts).
import type {
  RunState,
  RunStatus,
  StepProgress,
  StepState,
  TaskEvent,
} from '../../../functions/core/model.js';

export const TIME_ZONE = '+08:00';
export const TASK_ID = 'e700f15965694253940502911220d76b';

/** A 32-character record ID made from one letter, so tables can say 'A' and 'B'. */
export const rec = (letter: string): string => letter.toLowerCase().repeat(32);

const PROGRESS: Record<string, StepProgress> = {
  p: 'pending',
  r: 'running',
  d: 'done',
  f: 'failed',
  s: 'skipped',
};

/** Steps from letters: p pending, r running, d done, f failed, s skipped (disabled). */
export function steps(letters: string): StepState[] {
  return [...letters].map((letter, index): StepState => {
    const progress = PROGRESS[letter];
    if (progress === undefined) throw new Error(`unknown step letter ${letter}`);
    const begun = progress === 'running' || progress === 'done' || progress === 'failed';
    return {
      index,
      id: String(index + 1),
      name: `Step ${index + 1}`,
      enabled: progress !== 'skipped',
      progress,
      elapsed: begun ? 10 : 0,
      currentOffset: begun ? 100 : 0,
      faqUrl: null,
    };
  });
}

/** A compact RunState: `run('A', 'running', 'drp')`; `stepLetters` null means no step_state. */
export function run(
  letter: string,
  status: RunStatus,
  stepLetters: string | null,
  extra: Partial<RunState> = {},
): RunState {
  return {
    recordId: rec(letter),
    taskId: TASK_ID,
    taskName: 'gateway-prod',
    status,
    rawStatus: status,
    stepsFinished: status !== 'running' && status !== 'pending' && status !== 'unknown',
    startedAt: '2025-07-09T03:36:28.000Z',
    endedAt: null,
    executor: 'devcloud_test',
    steps: stepLetters === null ? null : steps(stepLetters),
    ...extra,
  };
}

/** Progress of each step as letters (the inverse of {@link steps}). */
export const letters = (run: RunState): string | null =>
  run.steps === null
    ? null
    : run.steps.map((s) => Object.entries(PROGRESS).find(([, p]) => p === s.progress)?.[0] ?? '?').join('');

/** Events as short strings: `A run.started`, `A started 0`, `A finished 0`, `A run.finished failed`. */
export function summary(events: readonly TaskEvent[]): string[] {
  return events.map((e) => {
    const who = (e.recordId[0] ?? '?').toUpperCase();
    switch (e.type) {
      case 'run.started':
        return `${who} run.started`;
      case 'run.finished':
        return `${who} run.finished ${e.status}`;
      default:
        return `${who} ${e.type.slice('step.'.length)} ${e.step}`;
    }
  });
}
