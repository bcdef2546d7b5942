// app → reading CodeArts answers at registration time: the one place registration turns bodies into domain
// values, so the use cases do not care which normaliser or which task-detail shape is behind it.
import type { RunState } from '../../core/model.js';
import {
  clipText,
  MalformedStateError,
  NORMALISE_LIMITS,
  normaliseStateResponse,
} from '../../core/normalise.js';

export { MalformedStateError };

/** A `/state` body → the run it describes; throws {@link MalformedStateError} when it is not one. */
export const readRunState = (body: unknown, timeZone: string): RunState =>
  normaliseStateResponse(body, { timeZone });

/** A CodeArts project ID: 32 hex characters. */
export const PROJECT_ID_PATTERN = /^[0-9a-fA-F]{32}$/;

const field = (body: unknown, name: string): unknown =>
  body !== null && typeof body === 'object' && Object.hasOwn(body, name)
    ? (body as Record<string, unknown>)[name]
    : undefined;

/**
 * The task's name ('' when it carries none) and CodeArts project (lower case; null when absent or not an ID)
 * from a `GET /v2/tasks/{id}` (flat) body.
 */
export const readTaskDetail = (body: unknown): { name: string; projectId: string | null } => {
  const name = field(body, 'name');
  const projectId = field(body, 'project_id');
  return {
    name: typeof name === 'string' ? clipText(name, NORMALISE_LIMITS.name) : '',
    projectId:
      typeof projectId === 'string' && PROJECT_ID_PATTERN.test(projectId) ? projectId.toLowerCase() : null,
  };
};
