// bench → the monthly AWS cost of the poll pipeline from the cost model of lib/README.md, fed with what the
// benchmark measured per tick instead of assumptions. us-east-1 list prices before free tiers; check current
// prices before quoting.

export const PRICES = {
  ticksPerMonth: 60 * 730,
  lambdaArmGbSecond: 0.0000133334,
  lambdaRequest: 0.2e-6,
  sqsRequest: 0.4e-6,
  readUnit: 0.125e-6,
  writeUnit: 0.625e-6,
  logGb: 0.5,
  lambdaFreeGbSeconds: 400_000,
} as const;

/**
 * What does not grow with the number of tasks (lib/README.md "Fixed costs"): 4 secrets × $0.40, 10 alarms ×
 * $0.10, the custom metrics the alarms read (4 × $0.30), the functions' secret reads (≈ $0.25 at the default
 * budget), the schedule (43,800 invocations a month: inside Scheduler's free 14 million), and the event source
 * mapping's polls of an idle queue (an estimate: a few pollers long-polling 20 s each ≈ 0.5–1 million requests a
 * month, ≈ $0.3; AWS publishes no figure).
 */
export const FIXED_USD = 1.6 + 1.0 + 1.2 + 0.25 + 0.3;

/** The stack's function memory (lib/constructs/function-defaults.ts FUNCTION_MEMORY_MB), arm64. */
export const MEMORY_GB = 256 / 1024;
/** START, END and REPORT lines Lambda writes for every invocation, plus one summary line of ours. */
const LOG_BYTES_PER_INVOCATION = 350 + 400;

/** Per tick, as measured (or scaled from per-task figures). */
export interface TickUsage {
  lambdaBilledSeconds: number;
  lambdaRequests: number;
  sqsRequests: number;
  readUnits: number;
  writeUnits: number;
}

export interface CostBreakdown {
  lambdaUsd: number;
  requestsUsd: number;
  sqsUsd: number;
  readsUsd: number;
  writesUsd: number;
  logsUsd: number;
  fixedUsd: number;
  totalUsd: number;
  /** The same with Lambda's always-free 400,000 GB-s a month deducted. */
  totalAfterLambdaFreeTierUsd: number;
}

const cents = (usd: number): number => Math.round(usd * 100) / 100;

export function monthlyCost(tick: TickUsage): CostBreakdown {
  const p = PRICES;
  const gbSeconds = p.ticksPerMonth * MEMORY_GB * tick.lambdaBilledSeconds;
  const lambdaUsd = gbSeconds * p.lambdaArmGbSecond;
  const requestsUsd = p.ticksPerMonth * tick.lambdaRequests * p.lambdaRequest;
  const sqsUsd = p.ticksPerMonth * tick.sqsRequests * p.sqsRequest;
  const readsUsd = p.ticksPerMonth * tick.readUnits * p.readUnit;
  const writesUsd = p.ticksPerMonth * tick.writeUnits * p.writeUnit;
  const logsUsd = (p.ticksPerMonth * tick.lambdaRequests * LOG_BYTES_PER_INVOCATION * p.logGb) / 1e9;
  const totalUsd = lambdaUsd + requestsUsd + sqsUsd + readsUsd + writesUsd + logsUsd + FIXED_USD;
  const freeUsd = Math.min(gbSeconds, p.lambdaFreeGbSeconds) * p.lambdaArmGbSecond;
  return {
    lambdaUsd: cents(lambdaUsd),
    requestsUsd: cents(requestsUsd),
    sqsUsd: cents(sqsUsd),
    readsUsd: cents(readsUsd),
    writesUsd: cents(writesUsd),
    logsUsd: cents(logsUsd),
    fixedUsd: cents(FIXED_USD),
    totalUsd: cents(totalUsd),
    totalAfterLambdaFreeTierUsd: cents(totalUsd - freeUsd),
  };
}

/** A measured tick scaled to `n` tasks by its per-task figures (everything but the fixed costs grows with N). */
export function scaledTick(measured: TickUsage & { n: number }, n: number): TickUsage {
  const k = n / measured.n;
  return {
    lambdaBilledSeconds: measured.lambdaBilledSeconds * k,
    lambdaRequests: measured.lambdaRequests * k,
    sqsRequests: measured.sqsRequests * k,
    readUnits: measured.readUnits * k,
    writeUnits: measured.writeUnits * k,
  };
}
