// app → asking CodeArts about a task before it is watched: its current run (the baseline), its name, and when a
// channel only takes some projects, its project. Every CodeArts failure becomes a VerificationError in the
// caller's terms.
import type { RunState } from '../../core/model.js';
import { CodeArtsError, type CodeArtsPort } from '../../ports.js';
import { untilAborted } from '../../shared/abort.js';

export interface VerifyDeps {
  codearts: CodeArtsPort;
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
  /** The task's CodeArts project, when its detail was read (a task that never ran, or `needProject`). */
  projectId: string | null;
}

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
 * Asks CodeArts about the task: its current run is the baseline. A task that never ran answers `record-gone` on
 * `/state`, so its name comes from the task detail instead; the detail is also read when `needProject` (a channel
 * restricted to some projects must know the task's).
 */
export const verifyTask = async (
  deps: VerifyDeps,
  taskId: string,
  region: string,
  signal?: AbortSignal,
  options: { needProject?: boolean } = {},
): Promise<VerifiedTask> => {
  let run: RunState | null = null;
  try {
    run = await untilAborted(deps.codearts.getTaskState(taskId, { region, signal }), signal);
  } catch (error) {
    if (!(error instanceof CodeArtsError && error.kind === 'record-gone')) {
      throw fromCodeArts(error, taskId, signal);
    }
  }
  if (run !== null && options.needProject !== true) return { taskName: run.taskName, run, projectId: null };
  try {
    const detail = await untilAborted(deps.codearts.getTaskDetail(taskId, { region, signal }), signal);
    return { taskName: run?.taskName || detail.name, run, projectId: detail.projectId };
  } catch (error) {
    throw fromCodeArts(error, taskId, signal);
  }
};
