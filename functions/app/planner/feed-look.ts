// app → the planner's look at the change feed in one tick: which projects to ask (core/planning.ts), their reads
// (read-feed.ts, a few at once), the fleet paused when CodeArts throttles, and each project's feed health kept in
// the FEED#fleet item (written only when it changed). Whatever fails here only makes the tick poll more directly.
import pLimit from 'p-limit';
import {
  type FeedReadOutcome,
  type FeedStatus,
  type FeedView,
  isFailing,
  NO_FEED_STATUS,
  nextProjectHealth,
  type ProjectFeedHealth,
  projectKey,
  sameFeedStatus,
} from '../../core/feed.js';
import { type ProjectFeeds, projectsToRead, type TickPlan } from '../../core/planning.js';
import type { WatchIndexEntry } from '../../ports.js';
import type { PlannerDeps } from './plan-tick.js';
import { readProjectFeed } from './read-feed.js';

/**
 * Feed pages are read back this far before the previous complete tick, so a run the feed shows a few minutes late
 * (a lagging listing) is still read; a later one is left to the sweep.
 */
export const FEED_OVERLAP_MS = 5 * 60_000;
/** ListAllApp calls in flight at once, per planner. */
const FEED_CONCURRENCY = 8;

interface FeedLook {
  feeds: ProjectFeeds;
  calls: number;
  fallbacks: number;
}

/**
 * Reads the feed of every project worth reading, and records how each fared. A throttled read pauses the fleet,
 * like a throttled poll: the tick's polls then wait for the pause to end.
 */
export async function lookAtFeeds(
  deps: PlannerDeps,
  plan: TickPlan,
  entries: readonly WatchIndexEntry[],
  previousCompletedAt: number | null,
): Promise<FeedLook> {
  const previous = await readFeedStatus(deps);
  const { feed } = deps;
  if (plan.sweepMinutes === null || feed === null) {
    await saveIfChanged(deps, previous, { enabled: false, projects: {} });
    return { feeds: new Map(), calls: 0, fallbacks: 0 };
  }
  const choice = projectsToRead(entries, plan, previous ?? NO_FEED_STATUS);
  const stopBeforeMs = previousCompletedAt === null ? null : previousCompletedAt - FEED_OVERLAP_MS;
  const limit = pLimit(FEED_CONCURRENCY);
  const reads = await Promise.all(
    choice.read.map((project) =>
      limit(async () => ({
        key: project.key,
        read: await readProjectFeed(feed, { project, stopBeforeMs }),
      })),
    ),
  );
  const outcomes = new Map<string, FeedReadOutcome>(reads.map(({ key, read }) => [key, read]));
  const feeds = new Map<string, ReadonlyMap<string, FeedView>>();
  let calls = 0;
  let throttledUntil = 0;
  for (const { key, read } of reads) {
    calls += read.calls;
    if (read.kind === 'read') feeds.set(key, read.views);
    else {
      deps.logger.warn('The change feed of a CodeArts project failed; its tasks are polled directly', {
        project: key,
        error: read.error,
      });
      if (read.retryAfterMs !== undefined)
        throttledUntil = Math.max(throttledUntil, deps.now() + read.retryAfterMs);
    }
  }
  if (throttledUntil > 0) await pauseCodeArts(deps, throttledUntil);

  const projects: Record<string, ProjectFeedHealth> = {};
  for (const key of new Set(
    entries.flatMap((e) => (e.projectId === null ? [] : [projectKey(e.region, e.projectId)])),
  )) {
    const health = nextProjectHealth(previous?.projects[key], outcomes.get(key), plan);
    if (health !== undefined) projects[key] = health;
  }
  await saveIfChanged(deps, previous, { enabled: true, projects });
  const fallbacks = Object.values(projects).filter(isFailing).length;
  deps.logger.debug('Change feed read', {
    projectsRead: choice.read.length,
    projectsCheaperDirect: choice.cheaperDirect,
    projectsBackingOff: choice.backingOff,
  });
  return { feeds, calls, fallbacks };
}

async function pauseCodeArts(deps: PlannerDeps, untilMs: number): Promise<void> {
  try {
    await deps.gates.pause('codearts', untilMs);
  } catch (error) {
    // The workers meet the throttling themselves and pause the fleet then.
    deps.logger.warn('The CodeArts pause could not be recorded', { error: String(error) });
  }
}

/** null when it cannot be read: the tick then asks every project's feed, and does not overwrite what is stored. */
async function readFeedStatus(deps: PlannerDeps): Promise<FeedStatus | null> {
  try {
    return await deps.feedStatus.read();
  } catch (error) {
    deps.logger.warn('The change feed status could not be read; asking every project this tick', {
      error: String(error),
    });
    return null;
  }
}

async function saveIfChanged(
  deps: PlannerDeps,
  previous: FeedStatus | null,
  next: FeedStatus,
): Promise<void> {
  if (previous === null || sameFeedStatus(previous, next)) return;
  try {
    await deps.feedStatus.save(next);
  } catch (error) {
    // Only health and page counts are lost: the next tick learns them again.
    deps.logger.warn('The change feed status could not be saved', { error: String(error) });
  }
}
