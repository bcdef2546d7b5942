// ports/clock → the clock the use cases read and sleep on (the system clock on Lambda, a manual one in tests).

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolves after `ms` (or rejects with the signal's reason when aborted). */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}
