// app → the registration use cases: watch (verified with CodeArts first), list, inspect, unwatch.
// Depends only on ports; the HTTP API and the slash command are two doors into the same rooms.
import type { RunState, TaskRecord, WatchOutcome } from '../../core/model.js';
import { CodeArtsError, type CodeArtsPort, type WatchStore } from '../../ports.js';
import type { WatchInput } from './schema.js';

export interface RegistrationDeps {
  store: WatchStore;
  codearts: CodeArtsPort;
  defaultRegion: string;
  /** Zone of CodeArts' zone-less timestamps (`+08:00`). */
  timeZone: string;
  now: () => number;
}

/**
 * Why a task could not be verified, in the caller's terms:
 * - `task-not-found`: CodeArts says the task does not exist (404 with CodeArts' code);
 * - `task-rejected`: CodeArts refused the lookup as a bad request (422 with CodeArts' code);
 * - `codearts-auth`: our CodeArts credentials were refused (our problem, not the caller's);
 * - `codearts-throttled`, `codearts-unavailable`, `codearts-timeout`, `codearts-bad-response`: try again later.
 */
export type VerificationFailure =
  | 'task-not-found'
  | 'task-rejected'
  | 'codearts-auth'
  | 'codearts-throttled'
  | 'codearts-unavailable'
  | 'codearts-timeout'
  | 'codearts-bad-response';

export class VerificationError extends Error {
  override readonly name = 'VerificationError';
  readonly kind: VerificationFailure;
  /** CodeArts' own error code (`Deploy.00011020`), when it gave one. */
  readonly codeArtsCode: string | undefined;
  readonly retryAfterMs: number | undefined;

  constructor(
    kind: VerificationFailure,
    message: string,
    details: { codeArtsCode?: string; retryAfterMs?: number; cause?: unknown } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.kind = kind;
    this.codeArtsCode = details.codeArtsCode;
    this.retryAfterMs = details.retryAfterMs;
  }

  /** Failures that say nothing about the task itself: a watch stored anyway is likely right. */
  get transient(): boolean {
    return this.kind !== 'task-not-found' && this.kind !== 'task-rejected' && this.kind !== 'codearts-auth';
  }
}

/** What CodeArts told us about a task at registration. */
export interface VerifiedTask {
  taskName: string;
  /** The current run (the baseline the poller diffs against); null when the task never ran. */
  run: RunState | null;
}

/** Rejects when the signal aborts, even if the port does not honour the signal itself. */
const untilAborted = <T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> => {
  if (signal === undefined) return promise;
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    if (signal.aborted) {
      onAbort();
      return;
    }
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
};

const fromCodeArts = (error: unknown, taskId: string, signal: AbortSignal | undefined): VerificationError => {
  if (error instanceof CodeArtsError) {
    const details = {
      cause: error,
      ...(error.code === undefined ? {} : { codeArtsCode: error.code }),
      ...(error.retryAfterMs === undefined ? {} : { retryAfterMs: error.retryAfterMs }),
    };
    switch (error.kind) {
      case 'task-gone':
        return new VerificationError('task-not-found', `CodeArts does not know task ${taskId}`, {
          ...details,
          codeArtsCode: error.code ?? 'Deploy.00011020',
        });
      case 'bad-request':
      case 'record-gone':
        return new VerificationError('task-rejected', `CodeArts refused to look up task ${taskId}`, details);
      case 'auth':
        return new VerificationError('codearts-auth', 'CodeArts refused the notifier’s credentials', details);
      case 'throttled':
        return new VerificationError('codearts-throttled', 'CodeArts is throttling requests', details);
      case 'timeout':
        return new VerificationError('codearts-timeout', 'CodeArts did not answer in time', details);
      case 'bad-response':
        return new VerificationError('codearts-bad-response', 'CodeArts sent an unexpected answer', details);
      case 'server':
        return new VerificationError('codearts-unavailable', 'CodeArts is unavailable', details);
    }
  }
  // Our own deadline (or the Lambda's) fired; whatever the port threw, the truth is "too slow".
  if (signal?.aborted === true) {
    return new VerificationError('codearts-timeout', 'CodeArts did not answer in time', { cause: error });
  }
  throw error;
};

/**
 * Asks CodeArts about the task: its current run is the baseline. A task that never ran answers
 * `record-gone` on `/state`, so its name comes from the task detail instead.
 */
export const verifyTask = async (
  deps: RegistrationDeps,
  taskId: string,
  region: string,
  signal?: AbortSignal,
): Promise<VerifiedTask> => {
  try {
    const run = await untilAborted(deps.codearts.getTaskState(taskId, { region, signal }), signal);
    return { taskName: run.taskName, run };
  } catch (error) {
    if (!(error instanceof CodeArtsError && error.kind === 'record-gone')) {
      throw fromCodeArts(error, taskId, signal);
    }
  }
  try {
    const detail = await untilAborted(deps.codearts.getTaskDetail(taskId, { region, signal }), signal);
    return { taskName: detail.name, run: null };
  } catch (error) {
    throw fromCodeArts(error, taskId, signal);
  }
};

export interface WatchResult {
  record: TaskRecord;
  outcome: WatchOutcome;
  /** The run CodeArts reported now (or, unverified, the one we already knew). */
  run: RunState | null;
  /** False when CodeArts was too slow or unavailable and the watch was stored on trust. */
  verified: boolean;
  /** Why it is unverified. */
  verification: VerificationError | null;
}

export interface WatchPolicy {
  signal?: AbortSignal;
  /**
   * Store the watch even when CodeArts is slow or unavailable (the slash command must answer within 3 s;
   * the first poll confirms the task). Definite answers (unknown task, refused credentials) still refuse.
   */
  storeWhenUnverified?: boolean;
}

/** Verifies the task with CodeArts, then stores the watch. Nothing is written when verification fails. */
export const watchTask = async (
  deps: RegistrationDeps,
  input: WatchInput,
  policy: WatchPolicy = {},
): Promise<WatchResult> => {
  const existing = await deps.store.getTask(input.taskId);
  // A task already watched keeps its region unless the caller names one: the ID alone identifies it.
  const region = input.region ?? existing?.region ?? deps.defaultRegion;
  let verified: VerifiedTask;
  let verification: VerificationError | null = null;
  try {
    verified = await verifyTask(deps, input.taskId, region, policy.signal);
  } catch (error) {
    if (!(error instanceof VerificationError) || !error.transient || policy.storeWhenUnverified !== true) {
      throw error;
    }
    verification = error;
    // The store keeps a known task's name and snapshot; for a new one, the first poll takes the baseline.
    verified = { taskName: existing?.taskName ?? '', run: existing?.run ?? null };
  }
  const { record, outcome } = await deps.store.watch(
    {
      taskId: input.taskId,
      region,
      taskName: verified.taskName,
      run: verified.run,
      channel: input.channel,
      options: input.options,
      verified: verification === null,
    },
    new Date(deps.now()).toISOString(),
  );
  return { record, outcome, run: verified.run, verified: verification === null, verification };
};

/** Every watched task, in the store's order. */
export const listWatches = async (store: WatchStore): Promise<TaskRecord[]> => {
  const records: TaskRecord[] = [];
  for await (const record of store.listTasks()) records.push(record);
  return records;
};

export type UnwatchResult =
  | { status: 'task-not-found' }
  | { status: 'channel-not-found'; record: TaskRecord }
  | { status: 'removed'; removedChannels: string[]; remaining: TaskRecord | null };

/** Stops watching in one channel, or in all of them. Says precisely what was not there. */
export const unwatchTask = async (
  deps: Pick<RegistrationDeps, 'store' | 'now'>,
  taskId: string,
  channel: string | undefined,
): Promise<UnwatchResult> => {
  const record = await deps.store.getTask(taskId);
  if (record === null) return { status: 'task-not-found' };
  if (channel !== undefined && !Object.hasOwn(record.subscriptions, channel)) {
    return { status: 'channel-not-found', record };
  }
  const removedChannels = channel === undefined ? Object.keys(record.subscriptions).sort() : [channel];
  const remaining = await deps.store.unwatch(taskId, channel, new Date(deps.now()).toISOString());
  // Removed by someone else between our read and our write: the caller's intent holds all the same.
  if (remaining === 'not-found') return { status: 'removed', removedChannels, remaining: null };
  return { status: 'removed', removedChannels, remaining };
};
