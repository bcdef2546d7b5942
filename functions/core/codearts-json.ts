// core → small, strict readers for CodeArts JSON bodies, shared by every parser in core/.
import { RUN_STATUSES, type RunStatus } from './model.js';

export type JsonObject = Record<string, unknown>;

export const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Own properties only: a body must not pick up `constructor` & co. from Object.prototype. */
export const get = (object: JsonObject, key: string): unknown =>
  Object.hasOwn(object, key) ? object[key] : undefined;

/** Task and record IDs: 32 characters [A-Za-z0-9] (lower-case hex in practice). */
export const ID_PATTERN = /^[A-Za-z0-9]{32}$/;

/** The statuses CodeArts reports; 'unknown' is ours, for anything else. */
const KNOWN_STATUSES: ReadonlySet<string> = new Set<RunStatus>(RUN_STATUSES.filter((s) => s !== 'unknown'));

/** A CodeArts execution state; anything unknown (including `not_executed`) is 'unknown', never an error. */
export const toRunStatus = (raw: unknown): RunStatus => {
  const status = typeof raw === 'string' ? raw.trim().toLowerCase() : '';
  return KNOWN_STATUSES.has(status) ? (status as RunStatus) : 'unknown';
};
