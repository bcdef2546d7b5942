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
