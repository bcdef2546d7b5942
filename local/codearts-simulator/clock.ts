// local/codearts-simulator → the simulator's notion of time. Every run's state is a pure function of
// this clock, so tests drive deployments by moving a ManualClock instead of sleeping.

export interface SimClock {
  /** Milliseconds since the epoch, in simulated time. */
  now(): number;
}

/** 2025-07-09T03:36:28Z (11:36:28 in UTC+8), the moment of the documented /state example. */
export const DEFAULT_MANUAL_START_MS = Date.UTC(2025, 6, 9, 3, 36, 28);

interface Sleeper {
  at: number;
  resolve: () => void;
}

/**
 * Time that only moves when told to. Also satisfies the notifier's `Clock` port (`now` + `sleep`),
 * so one clock can drive both the simulator and the code under test.
 */
export class ManualClock implements SimClock {
  #now: number;
  #sleepers: Sleeper[] = [];

  constructor(startMs: number = DEFAULT_MANUAL_START_MS) {
    this.#now = checkTime(startMs);
  }

  now(): number {
    return this.#now;
  }

  /** Moves time forward by `ms` and wakes every sleeper whose deadline has passed. */
  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`advance() needs a finite ms >= 0, got ${ms}`);
    this.set(this.#now + ms);
  }

  /** Jumps to `ms` (backwards too: runs created "later" then read as pending). */
  set(ms: number): void {
    this.#now = checkTime(ms);
    const due = this.#sleepers.filter((s) => s.at <= this.#now);
    this.#sleepers = this.#sleepers.filter((s) => s.at > this.#now);
    for (const sleeper of due) sleeper.resolve();
  }

  /** Resolves once the clock has been advanced past now + `ms`. */
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (ms <= 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const sleeper: Sleeper = {
        at: this.#now + ms,
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = (): void => {
        this.#sleepers = this.#sleepers.filter((s) => s !== sleeper);
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#sleepers.push(sleeper);
    });
  }
}

/** Wall-clock time, optionally running `speed` times faster from the moment it was created. */
export class SystemClock implements SimClock {
  readonly speed: number;
  readonly #realStart = Date.now();
  readonly #origin: number;

  constructor(options: { speed?: number; startMs?: number } = {}) {
    const speed = options.speed ?? 1;
    if (!Number.isFinite(speed) || speed <= 0) throw new RangeError(`speed must be > 0, got ${speed}`);
    this.speed = speed;
    this.#origin = options.startMs ?? this.#realStart;
  }

  now(): number {
    return Math.floor(this.#origin + (Date.now() - this.#realStart) * this.speed);
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        clearTimeout(timer);
        reject(signal?.reason);
      };
      const timer = setTimeout(
        () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        Math.max(0, ms / this.speed),
      );
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}

const checkTime = (ms: number): number => {
  if (!Number.isFinite(ms)) throw new RangeError(`clock time must be finite, got ${ms}`);
  return Math.floor(ms);
};
