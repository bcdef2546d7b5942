// core → the change feed in domain terms: what ListAllApp says a task's latest run looks like (a FeedView), which
// projects the planner asks the feed this tick and which it polls directly, and how a project's feed health moves
// from tick to tick. Pure: the planner reads and writes, this decides.
import type { AppExecutionState, ApplicationSummary } from './applications.js';

/** What the feed last said about a task's application: its latest release and that run's state. */
export interface FeedView {
  releaseId: number | null;
  state: AppExecutionState;
}

export const sameFeedView = (a: FeedView | null, b: FeedView | null): boolean =>
  a === null || b === null ? a === b : a.releaseId === b.releaseId && a.state === b.state;

/** The feed says a run is going: the task is polled whatever it said before. */
export const feedShowsRunInProgress = (view: FeedView): boolean =>
  view.state === 'running' || view.state === 'pending';

/** A CodeArts project as the planner groups tasks by: `<region>#<project_id>`. */
export const projectKey = (region: string, projectId: string): string => `${region}#${projectId}`;

/** Every task of the applications read, with what the feed says about it (a task in two apps: the newer release). */
export function feedViews(apps: readonly ApplicationSummary[]): Map<string, FeedView> {
  const views = new Map<string, FeedView>();
  for (const app of apps) {
    const view: FeedView = { releaseId: app.releaseId, state: app.executionState };
    for (const taskId of app.taskIds) {
      const known = views.get(taskId);
      if (known === undefined || (view.releaseId ?? -1) > (known.releaseId ?? -1)) views.set(taskId, view);
    }
  }
  return views;
}

// ─── Feed health, per project ────────────────────────────────────────────────────────────────────

/** How one project's feed has been doing; a project whose feed works and reads in one page has no entry. */
export interface ProjectFeedHealth {
  /** When reading this project's feed began to fail (ISO); absent while it works. */
  failingSince?: string;
  /** Why the last read failed. */
  lastError?: string;
  /** Failed reads in a row. */
  failures?: number;
  /** While failing, the feed is asked again from this tick on (epoch ms); until then every task is polled. */
  retryAt?: number;
  /** Pages the last complete read took, when more than one (what reading the feed costs, in calls). */
  pages?: number;
}

/** The change feed's state over the fleet, in one small item the planner reads and writes once per tick. */
export interface FeedStatus {
  /** CHANGE_FEED as the planner last ran with it. */
  enabled: boolean;
  /** By projectKey; only projects with something to say. */
  projects: Record<string, ProjectFeedHealth>;
}

export const NO_FEED_STATUS: FeedStatus = { enabled: false, projects: {} };

/** What a tick's read of one project's feed came to. */
export type FeedReadOutcome =
  | { kind: 'read'; pages: number; views: ReadonlyMap<string, FeedView> }
  | { kind: 'failed'; error: string };

/** A failing feed is asked again after 1, 2, 4 … ticks, and at least every this many ticks. */
const MAX_RETRY_TICKS = 10;

/** The project's health after this tick: `outcome` undefined when the feed was not asked (direct or backing off). */
export function nextProjectHealth(
  previous: ProjectFeedHealth | undefined,
  outcome: FeedReadOutcome | undefined,
  tick: { atMs: number; intervalSeconds: number },
): ProjectFeedHealth | undefined {
  if (outcome === undefined) return previous;
  if (outcome.kind === 'read') return outcome.pages > 1 ? { pages: outcome.pages } : undefined;
  const failures = (previous?.failures ?? 0) + 1;
  const waitTicks = Math.min(MAX_RETRY_TICKS, 2 ** (failures - 1));
  return {
    ...(previous?.pages === undefined ? {} : { pages: previous.pages }),
    failingSince: previous?.failingSince ?? new Date(tick.atMs).toISOString(),
    lastError: outcome.error,
    failures,
    retryAt: tick.atMs + waitTicks * tick.intervalSeconds * 1000,
  };
}

/** True when the feed of a project is failing (its tasks are polled directly every tick until it works again). */
export const isFailing = (health: ProjectFeedHealth | undefined): boolean =>
  health?.failingSince !== undefined;

const HEALTH_FIELDS = ['failingSince', 'lastError', 'failures', 'retryAt', 'pages'] as const;

/** Equal statuses need no write. */
export function sameFeedStatus(a: FeedStatus, b: FeedStatus): boolean {
  const keys = Object.keys(a.projects);
  return (
    a.enabled === b.enabled &&
    keys.length === Object.keys(b.projects).length &&
    keys.every((key) => {
      const [x, y] = [a.projects[key], b.projects[key]];
      return x !== undefined && y !== undefined && HEALTH_FIELDS.every((field) => x[field] === y[field]);
    })
  );
}
