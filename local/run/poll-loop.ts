// local/run → the local stand-in for the one-minute schedule: runs a poll cycle now and then every
// interval, never two at once, each with a Lambda-like time budget, and stops cleanly.
import type { PollCycleOptions, PollCycleReport } from '../../functions/app/poll-cycle.js';

export type RunCycle = (options: PollCycleOptions) => Promise<PollCycleReport>;

export interface PollLoopOptions {
  intervalMs: number;
  /** How long a cycle may take (see cycleBudgetMs). */
  budgetMs: number;
  now?: () => number;
  onReport?: (report: PollCycleReport) => void;
  /** A cycle that threw (the store unreachable, say); the loop carries on with the next tick. */
  onError?: (error: unknown) => void;
}

export class PollLoop {
  readonly #run: RunCycle;
  readonly #options: PollLoopOptions;
  readonly #now: () => number;
  #timer: NodeJS.Timeout | null = null;
  #current: { done: Promise<void>; abort: AbortController } | null = null;
  #stopped = false;
  #cycles = 0;

  constructor(run: RunCycle, options: PollLoopOptions) {
    this.#run = run;
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  /** Cycles started so far. */
  get cycles(): number {
    return this.#cycles;
  }

  /** Runs the first cycle right away. */
  start(): void {
    this.#schedule(0);
  }

  /**
   * Stops ticking, asks the running cycle to stop (its AbortSignal) and waits for it, at most `timeoutMs`:
   * what it has not delivered stays in the outbox for the next start.
   */
  async stop(timeoutMs = 5000): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    const current = this.#current;
    if (!current) return;
    current.abort.abort(new Error('the local service is stopping'));
    let timeout: NodeJS.Timeout | undefined;
    await Promise.race([current.done, new Promise<void>((done) => (timeout = setTimeout(done, timeoutMs)))]);
    clearTimeout(timeout);
  }

  #schedule(delayMs: number): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(
      () => {
        this.#timer = null;
        void this.#tick();
      },
      Math.max(0, delayMs),
    );
  }

  async #tick(): Promise<void> {
    const started = this.#now();
    const abort = new AbortController();
    this.#cycles++;
    const done = this.#run({ deadlineMs: started + this.#options.budgetMs, signal: abort.signal }).then(
      (report) => {
        if (!abort.signal.aborted) this.#options.onReport?.(report);
      },
      (error: unknown) => {
        if (!abort.signal.aborted) this.#options.onError?.(error);
      },
    );
    this.#current = { done, abort };
    await done;
    this.#current = null;
    // The next tick is due an interval after this one started; a late cycle is followed at once.
    this.#schedule(started + this.#options.intervalMs - this.#now());
  }
}
