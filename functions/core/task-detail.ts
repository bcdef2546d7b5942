// core → a `GET /v2/tasks/{task_id}` body (a flat object) to what the notifier needs from it: the
// task's name (it has one even when it never ran) and its CodeArts project (for the history API and the feed).
import { get, isObject } from './codearts-json.js';
import { clipText, MalformedStateError, NORMALISE_LIMITS } from './normalise.js';

/** A CodeArts project ID: 32 hex characters, kept in lower case (project restrictions compare them). */
export const PROJECT_ID_PATTERN = /^[0-9a-fA-F]{32}$/;

export interface TaskDetail {
  name: string;
  /** The CodeArts (DevCloud) project ID; null when the detail names none. */
  projectId: string | null;
}

/**
 * Tolerant: a missing or odd name is '' (a long one is clipped, like every CodeArts string we store) and a missing
 * or malformed project ID is null; only a non-object fails.
 */
export function parseTaskDetail(body: unknown): TaskDetail {
  if (!isObject(body)) throw new MalformedStateError('body', 'the task detail is not a JSON object');
  const name = get(body, 'name');
  const projectId = get(body, 'project_id');
  return {
    name: typeof name === 'string' ? clipText(name, NORMALISE_LIMITS.name) : '',
    projectId:
      typeof projectId === 'string' && PROJECT_ID_PATTERN.test(projectId) ? projectId.toLowerCase() : null,
  };
}
