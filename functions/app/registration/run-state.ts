// app → reading CodeArts answers at registration time. The one place that turns a `/state` body into a
// RunState here, so swapping in core's normaliser (functions/core/normalise.ts, being written in parallel)
// is a one-line change.
import type { RunState, RunStatus, StepProgress, StepState } from '../../core/model.js';

/** The `/state` body was not the JSON CodeArts documents. */
export class MalformedStateError extends Error {
  override readonly name = 'MalformedStateError';
}

const KNOWN_STATUSES: ReadonlySet<string> = new Set<RunStatus>([
  'pending',
  'running',
  'succeeded',
  'failed',
  'timeout',
  'abort',
  'not_started',
]);

const isRecord = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

const str = (value: unknown): string =>
  typeof value === 'string' ? value : typeof value === 'number' ? String(value) : '';

/** CodeArts sends numbers as numbers or strings (§3.2 of the API notes); accept both. */
const num = (value: unknown): number | null => {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  return null;
};

const bool = (value: unknown): boolean => value === true || value === 'true';

/** `yyyy-MM-dd HH:mm:ss` in CodeArts' zone (an offset like `+08:00`) → ISO-8601 UTC; null when unparseable. */
const toIso = (value: unknown, timeZone: string): string | null => {
  const text = str(value).trim();
  const match = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})$/.exec(text);
  if (match === null) return null;
  const offset = /^[+-]\d{2}:\d{2}$/.test(timeZone) ? timeZone : 'Z';
  const ms = Date.parse(`${match[1]}T${match[2]}${offset}`);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
};

/**
 * Progress at registration, with no earlier snapshot to compare with: steps before the last one that shows
 * progress are done, that one is current (or failed, when the run failed), later ones pending.
 */
const inferProgress = (steps: StepState[], status: RunStatus): void => {
  const enabled = steps.filter((step) => step.enabled);
  const lastActive = enabled.reduce(
    (last, step, i) => ((step.currentOffset ?? 0) > 0 || (step.elapsed ?? 0) > 0 ? i : last),
    -1,
  );
  enabled.forEach((step, i) => {
    let progress: StepProgress = 'pending';
    if (status === 'succeeded') progress = 'done';
    else if (i < lastActive) progress = 'done';
    else if (i === lastActive) progress = status === 'running' || status === 'pending' ? 'running' : 'failed';
    step.progress = progress;
  });
};

/**
 * Reads a `/state` body into the run it describes. Interim: core's normaliser replaces it when it lands;
 * until then this keeps the registration baseline honest without pretending to do the poller's diffing.
 */
export const readRunState = (body: unknown, timeZone: string): RunState => {
  if (!isRecord(body) || !isRecord(body.result)) throw new MalformedStateError('no result object');
  if (body.status !== undefined && body.status !== 'success') throw new MalformedStateError('query failed');
  const result = body.result;
  const recordId = str(result.record_id);
  if (recordId === '') throw new MalformedStateError('no record_id');
  const rawStatus = str(result.status);
  const status: RunStatus = KNOWN_STATUSES.has(rawStatus) ? (rawStatus as RunStatus) : 'unknown';
  let steps: StepState[] | null = null;
  if (Array.isArray(result.step_state)) {
    steps = result.step_state.filter(isRecord).map((step, index) => ({
      index,
      id: str(step.id),
      name: str(step.name),
      enabled: step.enable === undefined ? true : bool(step.enable),
      progress: 'skipped' as StepProgress,
      elapsed: num(step.elapsed_time),
      currentOffset: num(step.current_offset),
      faqUrl: str(step.faq_url) || null,
    }));
    inferProgress(steps, status);
  }
  return {
    recordId,
    taskId: str(result.task_id),
    taskName: str(result.task_name),
    status,
    rawStatus,
    stepsFinished: result.step === 'finish',
    startedAt: toIso(result.start_time, timeZone),
    endedAt: toIso(result.end_time, timeZone),
    executor: str(result.executor) || str(result.nick_name),
    steps,
  };
};

/** The task's name from a `GET /v2/tasks/{id}` (flat) body; '' when it carries none. */
export const readTaskName = (body: unknown): string => (isRecord(body) ? str(body.name) : '');
