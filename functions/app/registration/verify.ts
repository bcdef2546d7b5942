// app → asking CodeArts about a task before it is watched: its current run (the baseline), its name, and when a
// channel only takes some projects, its project. A failure is the CodeArtsError CodeArts answered with: each door
// (the HTTP API, the slash command) says what it means in its own words, from one table of its own.
import type { RunState } from '../../core/model.js';
import { CodeArtsError, type CodeArtsPort } from '../../ports.js';
import { untilAborted } from '../../shared/abort.js';

export interface VerifyDeps {
  codearts: CodeArtsPort;
}

/** What CodeArts told us about a task at registration. */
export interface VerifiedTask {
  taskName: string;
  /** The current run (the baseline the poller diffs against); null when the task never ran. */
  run: RunState | null;
  /** The task's CodeArts project, when its detail was read (a task that never ran, or `needProject`). */
  projectId: string | null;
}

/**
 * The failure as CodeArts answered it. Whatever the port threw once our own deadline (or the Lambda's) fired, the
 * truth is "too slow": a 'timeout'. Anything else that is not a CodeArtsError is a bug, and is thrown as it is.
 */
const failureOf = (error: unknown, signal: AbortSignal | undefined): CodeArtsError => {
  if (error instanceof CodeArtsError) return error;
  if (signal?.aborted === true) {
    return new CodeArtsError('timeout', 'CodeArts did not answer in time', { cause: error });
  }
  throw error;
};

/**
 * Asks CodeArts about the task: its current run is the baseline. A task that never ran answers `record-gone` on
 * `/state`, so its name comes from the task detail instead; the detail is also read when `needProject` (a channel
 * restricted to some projects must know the task's). Rejects with a CodeArtsError: the `transient` ones
 * (throttled, server, timeout, bad-response) say nothing about the task itself.
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
      throw failureOf(error, signal);
    }
  }
  if (run !== null && options.needProject !== true) return { taskName: run.taskName, run, projectId: null };
  try {
    const detail = await untilAborted(deps.codearts.getTaskDetail(taskId, { region, signal }), signal);
    return { taskName: run?.taskName || detail.name, run, projectId: detail.projectId };
  } catch (error) {
    throw failureOf(error, signal);
  }
};
