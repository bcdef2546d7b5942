// local/codearts-simulator → ListAllApp (`POST /v1/applications/list`): the body's
// validation, the `states` and `group_id` filters, `sort_name`/`sort_by` ordering and paging, over one
// project's applications as they were at a given moment. Only the page's applications are rendered, so a
// page costs O(applications in the project), whatever the size of the tenant.
import { paramError } from './errors.js';
import { field, isInt } from './request-body.js';
import { statusAt } from './timeline.js';
import { latestRunAt, type SimProject, type SimTask } from './world.js';

/**
 * The execution states ListAllApp lists and filters by. The notifier knows the same list
 * (APPLICATION_STATES in functions/core/applications.ts); the simulator keeps its own copy on purpose: it stands
 * in for CodeArts, so it imports nothing from the client it tests, and a state the client got wrong shows up as a
 * disagreement instead of being shared by both.
 */
export const EXECUTION_STATES: ReadonlySet<string> = new Set([
  'abort',
  'failed',
  'not_started',
  'pending',
  'running',
  'succeeded',
  'timeout',
  'not_executed',
]);

export type SortName = 'name' | 'startTime';
export type SortBy = 'ASC' | 'DESC';

export interface AppListRequest {
  projectId: string;
  page: number;
  size: number;
  sortName: SortName | null;
  sortBy: SortBy | null;
  /** null: no filter. */
  states: ReadonlySet<string> | null;
  /** null: no filter; `no_grouped` or a group ID. */
  groupId: string | null;
}

const GROUP_ID = /^([0-9a-f]{32}|no_grouped)$/;

/** The request body, validated field by field; a 400 in CodeArts' parameter-error shape otherwise. */
export const parseAppListRequest = (body: Record<string, unknown>): AppListRequest => {
  const projectId = field(body, 'project_id');
  if (typeof projectId !== 'string' || projectId === '') {
    throw paramError('Param invalid: project_id is required');
  }
  const page = field(body, 'page');
  if (!isInt(page, 1, Number.MAX_SAFE_INTEGER))
    throw paramError('Param invalid: page must be an integer >= 1');
  const size = field(body, 'size');
  if (!isInt(size, 1, 100)) throw paramError('Param invalid: size must be an integer from 1 to 100');
  const sortName = field(body, 'sort_name');
  if (sortName !== undefined && sortName !== 'name' && sortName !== 'startTime') {
    throw paramError('Param invalid: sort_name must be name or startTime');
  }
  const sortBy = field(body, 'sort_by');
  if (sortBy !== undefined && sortBy !== 'ASC' && sortBy !== 'DESC') {
    throw paramError('Param invalid: sort_by must be ASC or DESC');
  }
  const states = field(body, 'states');
  if (
    states !== undefined &&
    (!Array.isArray(states) || states.some((s) => typeof s !== 'string' || !EXECUTION_STATES.has(s)))
  ) {
    throw paramError(`Param invalid: states must be a list of ${[...EXECUTION_STATES].join(', ')}`);
  }
  const groupId = field(body, 'group_id');
  if (groupId !== undefined && (typeof groupId !== 'string' || !GROUP_ID.test(groupId))) {
    throw paramError('Param invalid: group_id must be a 32-character ID or no_grouped');
  }
  return {
    projectId,
    page,
    size,
    sortName: sortName ?? null,
    sortBy: sortBy ?? null,
    states: states === undefined || states.length === 0 ? null : new Set(states as string[]),
    groupId: groupId ?? null,
  };
};

interface Candidate {
  task: SimTask;
  /** Position in the project (creation order): the default order and every tie-break, so pages never overlap. */
  position: number;
  state: string;
  startedAt: number;
}

const compare = (a: string | number, b: string | number): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The page of `project`'s applications that the request asks for, as of `at`, and how many match in all.
 * Applications created after `at` do not exist yet. Ordered by `sort_name` (`startTime`: the latest run's
 * start, never-run applications oldest) in `sort_by` order (default DESC); without `sort_name`, by creation
 * (newest first by default) [inferred: the service's default order is not documented].
 */
export const selectApplications = (
  project: SimProject,
  request: AppListRequest,
  at: number,
): { total: number; page: SimTask[] } => {
  // The simulator has no application groups: every application is "not grouped".
  if (request.groupId !== null && request.groupId !== 'no_grouped') return { total: 0, page: [] };
  const candidates: Candidate[] = [];
  project.tasks.forEach((task, position) => {
    if (task.deleted || task.createdAt > at) return;
    const run = latestRunAt(task, at);
    const state = run === undefined ? 'not_executed' : statusAt(run.plan, at);
    if (request.states !== null && !request.states.has(state)) return;
    candidates.push({ task, position, state, startedAt: run?.plan.createdAt ?? Number.NEGATIVE_INFINITY });
  });
  const direction = request.sortBy === 'ASC' ? 1 : -1;
  const key =
    request.sortName === 'name'
      ? (c: Candidate) => c.task.name
      : request.sortName === 'startTime'
        ? (c: Candidate) => c.startedAt
        : (c: Candidate) => c.position;
  candidates.sort((a, b) => direction * (compare(key(a), key(b)) || compare(a.position, b.position)));
  const from = (request.page - 1) * request.size;
  return {
    total: candidates.length,
    page: candidates.slice(from, from + request.size).map((c) => c.task),
  };
};
