// The change feed (ListAllApp) lying, lagging or failing, with the planner deciding from it which tasks to poll.
// The feed is only ever a hint: the sweep polls every task directly within SWEEP_MINUTES, the history finds runs
// that came and went, and a project whose feed fails is polled directly. Nothing may be lost or posted twice.

import type { PlanReport } from '../../../functions/app/planner/plan-tick.js';
import type { ResponseFault } from '../../../local/codearts-simulator/faults.js';
import { type Figures, Fleet, type FleetOptions, runScenario } from '../support/fleet.js';

/** The planner as deployed: feed on, every task swept once a minute (six ticks of 10 s). */
export const FEED_ON = { changeFeed: true, sweepMinutes: 1 } as const;
/** Ticks in one sweep: the longest the feed alone may keep a change from being polled. */
export const SWEEP_CYCLES = 6;

const LIST_ALL_APP = '/v1/applications/list';

export interface FeedFigures extends Figures {
  /** ListAllApp calls the planner made. */
  feedCalls: number;
  /** Ticks that polled some project's tasks directly because its feed failed. */
  fallbackTicks: number;
  /** Polls the planner queued, by why. */
  reasons: Record<string, number>;
  /** Polls the planner queued in all, and the polls every task every tick would have taken. */
  queued: number;
  everyTaskEveryTick: number;
}

async function feedScenario(
  name: string,
  options: Omit<FleetOptions, 'rig'> & { rig?: FleetOptions['rig'] },
  body: (fleet: Fleet) => Promise<number>,
): Promise<FeedFigures> {
  const fleet = await Fleet.start({ ...options, rig: { ...FEED_ON, ...options.rig } });
  const figures = await runScenario(fleet, name, body);
  const plans: PlanReport[] = fleet.outcomes.flatMap((o) => o.report?.plans ?? []).filter((p) => !p.skipped);
  const reasons: Record<string, number> = {};
  for (const plan of plans) {
    for (const [reason, n] of Object.entries(plan.reasons)) reasons[reason] = (reasons[reason] ?? 0) + n;
  }
  return {
    ...figures,
    feedCalls: fleet.rig.sim.requests.filter((r) => r.path === LIST_ALL_APP).length,
    fallbackTicks: plans.filter((p) => p.feedFallbacks > 0).length,
    reasons,
    queued: plans.reduce((n, p) => n + p.queued, 0),
    everyTaskEveryTick: plans.reduce((n, p) => n + p.watches, 0),
  };
}

/** A feed fault on ListAllApp only: /state keeps answering. */
const onFeed = (fault: ResponseFault): ResponseFault => ({ ...fault, path: LIST_ALL_APP });

/** Plays a fault-free fleet with the feed on: the calls it saves, and nothing missed. */
export function feedHealthy(): Promise<FeedFigures> {
  return feedScenario(
    'Change feed healthy (the feed decides, the sweep checks)',
    { seed: 71, tasks: 6 },
    (f) => f.play().then(() => 0),
  );
}

/** The listing shows every project as it was two minutes ago (a lagging index). */
export function feedLagging(): Promise<FeedFigures> {
  return feedScenario(
    'Change feed 2 minutes behind /state',
    { seed: 72, minVisibleMs: 30_000 },
    async (f) => {
      f.rig.sim.inject({ kind: 'stale', seconds: 120, count: 'always' });
      await f.play();
      f.rig.sim.clearFaults();
      return f.recover();
    },
  );
}

/** One application never appears in the listing (its `total_num` still counts it). */
export function feedOmitsAnApplication(): Promise<FeedFigures & { omittedTask: string }> {
  let omittedTask = '';
  return feedScenario(
    'Change feed leaves an application out',
    { seed: 73, minVisibleMs: 30_000 },
    async (f) => {
      omittedTask = f.tasks[1]!.taskId;
      const appId = f.rig.sim.tasks().find((t) => t.id === omittedTask)!.appId;
      f.rig.sim.inject({ kind: 'omit-app', appId, count: 'always' });
      await f.play();
      f.rig.sim.clearFaults();
      return f.recover();
    },
  ).then((figures) => ({ ...figures, omittedTask }));
}

/**
 * ListAllApp refused for an hour of one-minute ticks, the ways a gateway refuses an API: 403 APIG.0302, then 404
 * APIG.0101 (not served in that region or endpoint), then malformed bodies and timeouts. Every task is polled
 * directly meanwhile (the planner asks the feed again after 1, 2, 4 … 10 ticks).
 */
export function feedRefusedForAnHour(): Promise<FeedFigures> {
  return feedScenario(
    'Change feed refused for an hour (403, 404 APIG.0101, malformed, slow)',
    {
      seed: 74,
      pollMs: 60_000,
      runsPerTask: 12,
      minVisibleMs: 0,
      startEveryMs: 120_000,
      rig: { tickSeconds: 60, sweepMinutes: 10 },
    },
    async (f) => {
      const { sim } = f.rig;
      await f.play({
        minCycles: 60,
        maxCycles: 60,
        before: (i) => {
          sim.clearFaults();
          const fault: ResponseFault =
            i < 15
              ? { kind: 'refused', count: 'always' }
              : i < 30
                ? { kind: 'refused', status: 404, code: 'APIG.0101', count: 'always' }
                : i < 45
                  ? { kind: 'malformed-json', count: 'always' }
                  : { kind: 'slow', delayMs: 600, count: 'always' };
          sim.inject(onFeed(fault));
        },
      });
      sim.clearFaults();
      return f.recover();
    },
  );
}

/** The feed works one tick and fails the next, over and over. */
export function feedFlapping(): Promise<FeedFigures> {
  return feedScenario(
    'Change feed flips between working and failing',
    { seed: 75, minVisibleMs: 20_000 },
    async (f) => {
      await f.play({
        before: (i) => {
          f.rig.sim.clearFaults();
          if (i % 2 === 1) f.rig.sim.inject(onFeed({ kind: 'server-error', status: 503, count: 'always' }));
        },
      });
      f.rig.sim.clearFaults();
      return f.recover();
    },
  );
}

/** A project of 1,000 applications, 2 of them watched, many of the others deploying all the time. */
export function feedLargeProject(): Promise<FeedFigures & { applications: number }> {
  return feedScenario(
    'Change feed of 1,000 applications, 2 watched',
    { seed: 76, tasks: 2, minVisibleMs: 20_000 },
    async (f) => {
      const { sim } = f.rig;
      const others = sim.createTasks(998, { steps: 2 });
      // A tenth of them redeploy every 30 s: their runs crowd the newest pages of the listing.
      for (const { taskId } of others.slice(0, 100)) sim.autoDeploy(taskId, { everyMs: 30_000 });
      await f.play();
      return 0;
    },
  ).then((figures) => ({ ...figures, applications: 1000 }));
}

/** One-minute ticks and runs of under a minute: many start and end between two looks; the history reports them. */
export function feedRunsBetweenReads(): Promise<FeedFigures> {
  return feedScenario(
    'Runs that come and go between two feed reads',
    {
      seed: 77,
      pollMs: 60_000,
      minVisibleMs: 0,
      startEveryMs: 1_000,
      rig: { tickSeconds: 60, sweepMinutes: 10 },
    },
    (f) => f.play().then(() => 0),
  );
}
