// How the CodeArts call budget (CODEARTS_CONCURRENCY: calls in flight across every worker) is shared out:
// how many worker invocations the queue may run at once (the event source mapping's maximum concurrency) and
// how many calls each keeps in flight. Pure, so the CDK stack and the worker derive the same numbers.

/** The largest CODEARTS_CONCURRENCY the functions and the stack accept. */
export const MAX_CODEARTS_CONCURRENCY = 256;

/** Calls one worker invocation keeps in flight at most: beyond this, more invocations share the budget. */
export const MAX_CALLS_PER_WORKER = 8;
/** The event source mapping's maximum concurrency cannot be set below 2. */
export const MIN_WORKERS = 2;

export interface CallBudget {
  /** Worker invocations at once (event source mapping MaximumConcurrency). */
  workers: number;
  /** CodeArts calls each invocation keeps in flight. */
  callsPerWorker: number;
}

/**
 * workers × callsPerWorker never exceeds the budget, except that two workers with one call each is the least
 * there can be (a budget of 1 gives 2 calls in flight).
 */
export function callBudget(codeartsConcurrency: number): CallBudget {
  const budget = Math.max(1, Math.floor(codeartsConcurrency));
  const workers = Math.max(MIN_WORKERS, Math.ceil(budget / MAX_CALLS_PER_WORKER));
  return { workers, callsPerWorker: Math.max(1, Math.floor(budget / workers)) };
}

/** Rounds of calls in flight one worker batch holds: see {@link workerBatchSize}. */
export const BATCH_ROUNDS = 8;

/**
 * How long the event source mapping may gather a batch (seconds). SQS requires at least 1 s for a batch larger than
 * 10; more would add to every running task's detection lag (ACTIVE_POLL_SECONDS + this + the batch's own time).
 */
export const MAX_BATCHING_WINDOW_SECONDS = 1;

/**
 * Polls per worker batch: BATCH_ROUNDS rounds of the invocation's calls in flight (a poll is usually one CodeArts
 * call). Enough that the calls in flight stay full while a batch is worked through (only the last round can run
 * short, at most 1/8 of the batch, so billed time stays within 1.25× of calls × latency ÷ calls in flight); few
 * enough that a batch ends in one to two seconds at CodeArts' usual 100–250 ms, so a poll waits little behind the
 * rest of its batch and a worker killed mid-batch sends few polls back through the visibility timeout. A larger
 * batch would only lengthen that wait; a smaller one would pay an invocation's fixed work (a request, reading the
 * fleet gates) for fewer polls. The stack, the local run and the benchmark all batch this way.
 */
export function workerBatchSize(budget: CallBudget): number {
  return budget.callsPerWorker * BATCH_ROUNDS;
}
