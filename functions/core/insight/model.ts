// core/insight → what the notifier keeps in a task item to say whether a run is normal, and the
// channel messages it sums things up in. Pure types.
import type { RunState } from '../model.js';
import type { DigestFigures, RunSummary } from './digest.js';
import type { DurationModel } from './durations.js';
import type { DigestEvery } from './periods.js';
import type { QuietHours } from './quiet-hours.js';

/** The step the current run is in, as the notifier follows it. */
export interface RunningStep {
  recordId: string;
  step: number;
  /** When the notifier first saw the step running (ISO): how long it has run, whatever CodeArts' counters say. */
  since: string;
  /** Set once it was called stuck: never again for this run and step, across polls and restarts. */
  stuck: { usualSeconds: number } | null;
}

/** The task's current run of failures: since when, how many, and the last one (its message gets the fix). */
export interface Broken {
  since: string;
  failedRuns: number;
  last: RunState;
}

/** One channel's side: held-back quiet-hours changes and the digests sent. */
export interface ChannelInsight {
  /** Changes were held back in the quiet window [quietFrom, quietUntil) (ISO): its summary is due at its end. */
  quietFrom?: string;
  quietUntil?: string;
  /** End of the last digest period sent (ISO). */
  digestThrough?: string;
}

export interface TaskInsight {
  durations: DurationModel;
  running?: RunningStep;
  broken?: Broken;
  /** Finished runs summed up for digests so far; the next summary goes to slot `summarized % RUN_SUMMARIES_KEPT`. */
  summarized: number;
  channels?: Record<string, ChannelInsight>;
}

/** The most runs a quiet-hours summary lists one by one (the rest are counted). */
export const QUIET_RUNS_LISTED = 20;

export type InsightReport =
  | {
      kind: 'quiet';
      channel: string;
      quietHours: QuietHours;
      from: string;
      to: string;
      /** Runs that ended while the channel was quiet, oldest first (at most QUIET_RUNS_LISTED, the newest). */
      runs: RunSummary[];
      total: number;
      succeeded: number;
    }
  | {
      kind: 'digest';
      channel: string;
      every: DigestEvery;
      timeZone: string;
      from: string;
      to: string;
      figures: DigestFigures;
    };

export const emptyInsight = (): TaskInsight => ({
  durations: { steps: [], runs: 0 },
  summarized: 0,
});
