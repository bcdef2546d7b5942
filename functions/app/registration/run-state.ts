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

/** The task's name from a `GET /v2/tasks/{id}` (flat) body; '' when it carries none. */
export const readTaskName = (body: unknown): string => {
  if (body === null || typeof body !== 'object' || !Object.hasOwn(body, 'name')) return '';
  const name = (body as { name: unknown }).name;
  return typeof name === 'string' ? clipText(name, NORMALISE_LIMITS.name) : '';
};
