// local/run → the local stand-in for the scheduler: runs a tick now and then every interval, never two at once,
// each with a Lambda-like time budget and its scheduled time, and stops cleanly.

export interface TickOptions {
  /** When this tick was due (ISO-8601): the scheduler's `<aws.scheduler.scheduled-time>`. */
  scheduledTime: string;
  /** Clock time by which the tick must have finished. */
  deadlineMs: number;
  /** Fires when the local service is stopping. */
  signal: AbortSignal;
}

export type RunTick<R> = (options: TickOptions) => Promise<R>;

export interface TickLoopOptions<R> {
  intervalMs: number;
  /** How long a tick may take (see tickBudgetMs). */
  budgetMs: number;
  now?: () => number;
  onReport?: (report: R) => void;
  /** A tick that threw (the store unreachable, say); the loop carries on with the next one. */
  onError?: (error: unknown) => void;
}

export class TickLoop<R> {
  readonly #run: RunTick<R>;
  readonly #options: TickLoopOptions<R>;
  readonly #now: () => number;
  #timer: NodeJS.Timeout | null = null;
  #current: { done: Promise<void>; abort: AbortController } | null = null;
  #stopped = false;
  #cycles = 0;

  constructor(run: RunTick<R>, options: TickLoopOptions<R>) {
    this.#run = run;
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  /** Ticks started so far. */
  get cycles(): number {
    return this.#cycles;
  }

  /** Runs the first tick right away. */
  start(): void {
    this.#schedule(0);
  }

  /** Stops ticking, asks the running tick to stop (its AbortSignal) and waits for it, at most `timeoutMs`. */
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
    const scheduledTime = new Date(started).toISOString();
    const done = this.#run({
      scheduledTime,
      deadlineMs: started + this.#options.budgetMs,
      signal: abort.signal,
    }).then(
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
    // The next tick is due an interval after this one started; a late one is followed at once.
    this.#schedule(started + this.#options.intervalMs - this.#now());
  }
}
