// core → a `/v2/tasks/{task_id}/state` body, as parsed JSON, to a RunState.
// Tolerant where CodeArts is loose (StepInfo types, missing fields, unknown statuses), strict where a
// wrong guess would corrupt the stored snapshot (query status, IDs, the shape of step_state).

import { get, ID_PATTERN, isObject, type JsonObject, toRunStatus } from './codearts-json.js';
import { parseCodeArtsTime, requireTimeZoneOffset } from './codearts-time.js';
import type { RunState, RunStatus, StepState } from './model.js';
import { inferStepProgress, showsProgress } from './step-inference.js';

/** The body is not a usable `/state` answer. `field` names the offending field (`result.task_id`, …). */
export class MalformedStateError extends Error {
  override readonly name = 'MalformedStateError';
  readonly field: string;

  constructor(field: string, message: string) {
    super(message);
    this.field = field;
  }
}

/**
 * What a run keeps of CodeArts' strings and steps, so a task item always fits DynamoDB's 400 KB however
 * CodeArts (or whatever answers in its place) names things. Far above anything CodeArts allows in its console
 * (names of a few dozen characters, a few dozen steps); a longer value is clipped with an ellipsis.
 */
export const NORMALISE_LIMITS = {
  /** Task and step names (UTF-16 units). */
  name: 128,
  /** Who ran it. */
  executor: 64,
  /** `result.status` as sent. */
  rawStatus: 32,
  /** A step's `id` (a small number in practice). */
  stepId: 32,
  /** A step's `faq_url`: a longer URL is dropped rather than clipped, which would break it. */
  faqUrl: 512,
  /** Steps kept per run: the first ones, in order. */
  steps: 60,
} as const;

/**
 * `value` cut to at most `max` UTF-16 units (an ellipsis marks the cut), never splitting a surrogate pair.
 * Linear in `max`, not in the length of `value`.
 */
export function clipText(value: string, max: number): string {
  if (value.length <= max) return value;
  let end = max - 1;
  const last = value.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return `${value.slice(0, end)}…`;
}

/** A link Slack can show: http(s), printable ASCII without spaces (so its size is its length), not too long. */
const isUsableUrl = (url: string): boolean =>
  url.length <= NORMALISE_LIMITS.faqUrl && /^https?:\/\/[!-~]+$/i.test(url);

export interface NormaliseOptions {
  /** Zone of CodeArts' zone-less timestamps, `Z` or `±HH:MM` (the app's default is `+08:00`). */
  timeZone: string;
}

/** A scalar as text (numbers and booleans included); '' for anything else. */
function text(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  return '';
}

const NUMERIC = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/** `12` or `"12"` → 12; anything else (including '' and non-finite values) → null. */
function numberOrNull(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string') {
    const trimmed = value.trim();
    if (!NUMERIC.test(trimmed)) return null;
    const n = Number(trimmed);
    return Number.isFinite(n) ? n : null;
  }
  return null;
}

/**
 * `enable` as sent: `true`/`"true"`/`1`/`"1"` or their opposites. Absent or unreadable counts as
 * enabled, so a step is never hidden because CodeArts left a field out.
 */
function enabledFlag(value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value !== 0;
  if (typeof value === 'string') {
    const flag = value.trim().toLowerCase();
    if (flag === 'false' || flag === '0') return false;
  }
  return true;
}

function normaliseSteps(raw: unknown, status: RunStatus): StepState[] | null {
  // null is how some serialisers write an absent field; treat it as absent.
  if (raw === undefined || raw === null) return null;
  if (!Array.isArray(raw)) {
    throw new MalformedStateError('result.step_state', 'result.step_state is not an array');
  }
  // Array.from visits holes too, so a sparse array cannot slip an undefined step through.
  const steps = Array.from(raw, (item: unknown, index): StepState => {
    if (!isObject(item)) {
      throw new MalformedStateError(
        `result.step_state[${index}]`,
        `result.step_state[${index}] is not an object`,
      );
    }
    const faqUrl = text(get(item, 'faq_url')).trim();
    return {
      index,
      id: clipText(text(get(item, 'id')), NORMALISE_LIMITS.stepId),
      name: clipText(text(get(item, 'name')), NORMALISE_LIMITS.name),
      enabled: enabledFlag(get(item, 'enable')),
      progress: 'pending',
      elapsed: numberOrNull(get(item, 'elapsed_time')),
      currentOffset: numberOrNull(get(item, 'current_offset')),
      faqUrl: isUsableUrl(faqUrl) ? faqUrl : null,
    };
  });
  const progress = inferStepProgress(
    steps.map((s) => ({ enabled: s.enabled, showsProgress: showsProgress(s) })),
    status,
  );
  // Inferred over every step (a later step's progress says an earlier one finished), then clipped.
  return steps
    .slice(0, NORMALISE_LIMITS.steps)
    .map((s, i) => ({ ...s, progress: progress[i] ?? s.progress }));
}

function requireId(result: JsonObject, key: 'record_id' | 'task_id'): string {
  const value = get(result, key);
  if (typeof value !== 'string' || !ID_PATTERN.test(value)) {
    throw new MalformedStateError(`result.${key}`, `result.${key} is not a 32-character [A-Za-z0-9] ID`);
  }
  return value;
}

/**
 * Normalises a `/state` body into the run it describes, with each step's progress inferred from
 * this one observation. Throws {@link MalformedStateError} (and nothing else) for any body that is
 * not a successful answer about a run; a RangeError only when `options.timeZone` is invalid.
 */
export function normaliseStateResponse(body: unknown, options: NormaliseOptions): RunState {
  // Fails on a bad zone before looking at the body, so a configuration error is never blamed on CodeArts.
  requireTimeZoneOffset(options.timeZone);
  if (!isObject(body)) throw new MalformedStateError('body', 'the body is not a JSON object');
  const outer = get(body, 'status');
  if (outer !== 'success') {
    throw new MalformedStateError(
      'status',
      `the query did not succeed (status ${JSON.stringify(text(outer))})`,
    );
  }
  const result = get(body, 'result');
  if (!isObject(result)) throw new MalformedStateError('result', 'result is not an object');

  const recordId = requireId(result, 'record_id');
  const taskId = requireId(result, 'task_id');
  const rawStatus = text(get(result, 'status'));
  const status = toRunStatus(rawStatus);
  const executor = text(get(result, 'executor')).trim() || text(get(result, 'nick_name')).trim();
  return {
    recordId,
    taskId,
    taskName: clipText(text(get(result, 'task_name')), NORMALISE_LIMITS.name),
    status,
    rawStatus: clipText(rawStatus, NORMALISE_LIMITS.rawStatus),
    stepsFinished: text(get(result, 'step')).trim().toLowerCase() === 'finish',
    startedAt: parseCodeArtsTime(get(result, 'start_time'), options.timeZone),
    endedAt: parseCodeArtsTime(get(result, 'end_time'), options.timeZone),
    executor: clipText(executor, NORMALISE_LIMITS.executor),
    steps: normaliseSteps(get(result, 'step_state'), status),
  };
}
