// bench → the monthly AWS cost of the poller from the cost model (shared/docs/ecosystem-notes.md §8, as
// recomputed for this stack in lib/README.md), fed with what the benchmark measured instead of assumptions.
// us-east-1 list prices before free tiers; check current prices before quoting.

export const PRICES = {
  ticksPerMonth: 60 * 730,
  lambdaArmGbSecond: 0.0000133334,
  lambdaRequest: 0.2e-6,
  readUnit: 0.125e-6,
  writeUnit: 0.625e-6,
  logGb: 0.5,
  lambdaFreeGbSeconds: 400_000,
  /** lib/README.md: 4 secrets, 6 alarms, 3 custom metrics, secret reads. */
  fixedUsd: 3.19,
} as const;

/** The stack's function memory (lib/constructs/function-defaults.ts FUNCTION_MEMORY_MB), arm64. */
export const MEMORY_GB = 256 / 1024;
/** The model's assumption (ecosystem notes §8.2): changes per task per month, each one poll with changes. */
export const CHANGED_POLLS_PER_TASK_MONTH = 200;
/** START, END and REPORT lines Lambda writes for every invocation, besides the function's own output. */
const PLATFORM_LOG_BYTES = 350;

export interface CostInputs {
  n: number;
  /** Billed seconds per tick (measured: the mean tick of the active-polling run at this N). */
  tickSeconds: number;
  /** Read units per tick (measured on the no-change cycle: the paged query). */
  readUnitsPerTick: number;
  /** Write units per tick when nothing changed (measured: the lease). */
  writeUnitsPerTick: number;
  /** Write units per poll with changes (measured on the change cycles: snapshot + delivered marks). */
  writeUnitsPerChangedPoll: number;
  /** Log bytes one invocation writes (measured on the poller bundle). */
  logBytesPerTick: number;
}

export interface CostBreakdown {
  lambdaGbSeconds: number;
  lambdaUsd: number;
  requestsUsd: number;
  readsUsd: number;
  writesUsd: number;
  logsUsd: number;
  fixedUsd: number;
  totalUsd: number;
  /** The same with Lambda's always-free 400,000 GB-s a month deducted. */
  totalAfterLambdaFreeTierUsd: number;
}

export function monthlyCost(input: CostInputs): CostBreakdown {
  const p = PRICES;
  const lambdaGbSeconds = p.ticksPerMonth * MEMORY_GB * input.tickSeconds;
  const lambdaUsd = lambdaGbSeconds * p.lambdaArmGbSecond;
  const requestsUsd = p.ticksPerMonth * p.lambdaRequest;
  const readsUsd = p.ticksPerMonth * input.readUnitsPerTick * p.readUnit;
  const writeUnits =
    p.ticksPerMonth * input.writeUnitsPerTick +
    input.n * CHANGED_POLLS_PER_TASK_MONTH * input.writeUnitsPerChangedPoll;
  const writesUsd = writeUnits * p.writeUnit;
  const logsUsd = (p.ticksPerMonth * (input.logBytesPerTick + PLATFORM_LOG_BYTES) * p.logGb) / 1e9;
  const totalUsd = lambdaUsd + requestsUsd + readsUsd + writesUsd + logsUsd + p.fixedUsd;
  const freeUsd = Math.min(lambdaGbSeconds, p.lambdaFreeGbSeconds) * p.lambdaArmGbSecond;
  return {
    lambdaGbSeconds,
    lambdaUsd,
    requestsUsd,
    readsUsd,
    writesUsd,
    logsUsd,
    fixedUsd: p.fixedUsd,
    totalUsd,
    totalAfterLambdaFreeTierUsd: totalUsd - freeUsd,
  };
}
