// bench → the benchmark's clock: real time plus an offset. Work (HTTP round trips, CPU) takes real time, so
// latencies and processing are counted as they happen; only idle waits are skipped: `sleep` and `jumpTo`
// move the offset instead of waiting. The offset lives in shared memory, so the servers' thread (simulator,
// fake Slack) and the poll cycle read one time line.
import type { Clock } from '../../functions/ports.js';

export class VirtualClock implements Clock {
  /** Pass to `new VirtualClock({ shared })` in another thread to read the same time. */
  readonly shared: SharedArrayBuffer;
  readonly #offset: BigInt64Array;

  constructor(options: { shared?: SharedArrayBuffer } = {}) {
    this.shared = options.shared ?? new SharedArrayBuffer(8);
    this.#offset = new BigInt64Array(this.shared);
  }

  now(): number {
    return Date.now() + Number(Atomics.load(this.#offset, 0));
  }

  /**
   * Skips the wait. Exact for the poll cycle: it only sleeps between active re-poll passes, when nothing of
   * its own is in flight (the benchmark injects no CodeArts throttling, so the throttle wait never happens).
   */
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (ms > 0) this.advance(ms);
    return Promise.resolve();
  }

  /** Moves time forward by `ms` (simulated deployments progress; nothing waits). */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`advance() needs ms >= 0, got ${ms}`);
    Atomics.add(this.#offset, 0, BigInt(Math.ceil(ms)));
  }

  /** Moves time forward to `ms` if it is still ahead (the next scheduled tick). */
  jumpTo(ms: number): void {
    const ahead = ms - this.now();
    if (ahead > 0) this.advance(ahead);
  }
}
