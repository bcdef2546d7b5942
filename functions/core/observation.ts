// core → what one look at CodeArts found for a task, as a value: the input of decide() (core/decide.ts). The app
// makes the calls (app/poll/observe.ts); everything that follows from the answers is decided here, purely.
import type { RunState } from './model.js';

export type Observation =
  | {
      kind: 'run';
      /** The latest run (or, when the latest went back to an older run, that older run). */
      run: RunState;
      /** How the stored run ended, when a newer run appeared before it was seen to end; null: its record is gone. */
      previousRunFinal?: RunState | null;
      /** The stored run as CodeArts has it now, when the latest answer went back to an older run; null: gone. */
      storedRunNow?: RunState | null;
      /** Runs between the stored run and this one that no poll saw (found in the history), oldest first. */
      missedRuns?: RunState[];
      /** The stored run's record ID the missed runs were looked up after ('' when none was stored). */
      missedAfter?: string;
      /** The task's CodeArts project ID, when this poll had to look it up (stored with the change). */
      projectId?: string;
    }
  /** CodeArts knows the task but it has no run. */
  | {
      kind: 'no-run';
      /** The task's CodeArts project ID, when this poll had to look it up. */
      projectId?: string;
    }
  /** The run we were following is no longer known to CodeArts, and no other run took its place. */
  | { kind: 'run-gone' }
  /** The task itself no longer exists (`Deploy.00011020`). */
  | { kind: 'gone'; code: string }
  /** The poll failed for a reason that says nothing about the task (5xx, timeout, a bad body): health only. */
  | { kind: 'failed'; error: string };
