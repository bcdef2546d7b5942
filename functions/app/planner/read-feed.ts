// app → one tick's look at a CodeArts project's change feed (ListAllApp), newest runs first, stopping once the rest
// started before the last look: a project costs one call a tick unless many of its applications started lately.
import type { ApplicationSummary } from '../../core/applications.js';
import { type FeedReadOutcome, feedViews } from '../../core/feed.js';
import type { ProjectRef } from '../../core/planning.js';
import { CodeArtsError, type CodeArtsFeedPort } from '../../ports.js';

/** ListAllApp's largest page. */
export const FEED_PAGE_SIZE = 100;
/**
 * A project of more applications than this many pages is read this far and no further: its remaining tasks rely
 * on the sweep (a project that large is better split, or its tasks left to direct polls).
 */
export const MAX_FEED_PAGES = 20;

export interface FeedReadRequest {
  project: ProjectRef;
  /**
   * Applications whose latest run started before this (epoch ms) were read by an earlier tick already: paging
   * stops at the first page that reaches them. null: read every page.
   */
  stopBeforeMs: number | null;
  signal?: AbortSignal;
}

/** What became of the read, with how many calls it cost; a failure says why (the project falls back). */
export type FeedRead = FeedReadOutcome & { calls: number; retryAfterMs?: number };

/** Never throws: whatever goes wrong is a failed read, and the project's tasks are polled directly. */
export async function readProjectFeed(feed: CodeArtsFeedPort, request: FeedReadRequest): Promise<FeedRead> {
  const { project, stopBeforeMs } = request;
  const apps: ApplicationSummary[] = [];
  let calls = 0;
  try {
    for (let page = 1; page <= MAX_FEED_PAGES; page++) {
      calls += 1;
      const listed = await feed.listApplications(project.projectId, {
        page,
        size: FEED_PAGE_SIZE,
        sortName: 'startTime',
        sortBy: 'DESC',
        region: project.region,
        ...(request.signal ? { signal: request.signal } : {}),
      });
      apps.push(...listed.apps);
      const last = page * FEED_PAGE_SIZE >= listed.total || listed.apps.length < FEED_PAGE_SIZE;
      if (last || reachesEarlierRead(listed.apps, stopBeforeMs)) break;
    }
    return { kind: 'read', pages: calls, views: feedViews(apps), calls };
  } catch (error) {
    const reason = error instanceof CodeArtsError ? `${error.kind}: ${error.message}` : String(error);
    return {
      kind: 'failed',
      error: reason,
      calls,
      ...(error instanceof CodeArtsError && error.kind === 'throttled'
        ? { retryAfterMs: error.retryAfterMs ?? 3000 }
        : {}),
    };
  }
}

/**
 * The page ends among runs an earlier tick saw start. Only trusted when the page is in start-time order, newest
 * first, as asked: a feed that ignores `sort_name` is read to the end.
 */
function reachesEarlierRead(apps: readonly ApplicationSummary[], stopBeforeMs: number | null): boolean {
  if (stopBeforeMs === null || apps.length === 0) return false;
  const starts = apps.map((app) =>
    app.executionTime === null ? Number.NEGATIVE_INFINITY : Date.parse(app.executionTime),
  );
  const newestFirst = starts.every((start, i) => i === 0 || start <= (starts[i - 1] ?? start));
  return newestFirst && (starts.at(-1) ?? Number.POSITIVE_INFINITY) < stopBeforeMs;
}
