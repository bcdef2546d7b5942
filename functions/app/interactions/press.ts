// app → a button pressed in Slack, as the api Lambda handles it within Slack's 3 s: the workspace and the presser
// are checked, and an accepted press is stored as a request in the task item (one conditional write, keyed by what
// it asks for, so repeats make one request), then a poll of the task is queued for a worker to act on it
// (app/poll/act.ts). The api holds no bot token and never calls CodeArts: a refusal is answered at once through the
// press's response_url, and nothing is written. A lost queue message loses nothing: the planner polls every task
// with a press waiting on its next tick.
import { applyPress, judgePress, type Press, type PressVerdict } from '../../core/actions.js';
import type { TaskRecord } from '../../core/model.js';
import { type EphemeralAnswer, knownPressAnswer, refusalAnswer } from '../../core/render/action-answers.js';
import { isAllowedWorkspace } from '../../core/trust.js';
import type { Logger, PollQueue, SlackResponder, TaskRepository } from '../../ports.js';
import { updateTask } from '../task-updates.js';

export interface PressDeps {
  tasks: Pick<TaskRepository, 'getTask' | 'putTask' | 'deleteTask'>;
  queue: PollQueue;
  responder: SlackResponder;
  /** SLACK_TEAM_ID; empty: any workspace whose request is signed. */
  allowedTeams: readonly string[];
  now: () => number;
  logger: Logger;
  /** The queued poll's follow-ups (a run it started, re-polled) go on this long, like a planner tick's. */
  followMs: number;
}

export type PressResult =
  | { status: 'refused'; reason: string }
  | { status: 'known' }
  | { status: 'stored'; queued: boolean };

export async function handlePress(
  deps: PressDeps,
  read: { press: Press; workspaces: readonly string[] },
): Promise<PressResult> {
  const { press } = read;
  const by = `slack:${press.user}@${press.team}`;
  // Before anything else: another workspace learns nothing, and nothing is read for it.
  if (!read.workspaces.some((team) => isAllowedWorkspace(deps.allowedTeams, team))) {
    deps.logger.info('Press from a workspace this notifier does not serve', { by });
    await answer(deps, press, refusalAnswer('workspace'));
    return { status: 'refused', reason: 'workspace' };
  }
  const record = await deps.tasks.getTask(press.taskId);
  const first = judgePress(record, press, deps.now());
  if (first.verdict !== 'store') return answered(deps, press, first, by);

  const now = new Date(deps.now()).toISOString();
  const stored = await updateTask(
    deps.tasks,
    press.taskId,
    (current: TaskRecord | null) => {
      // Judged again on the freshest item: another press may have landed since it was read.
      const verdict = judgePress(current, press, deps.now());
      if (current === null || verdict.verdict !== 'store') return { next: null, result: verdict };
      return { next: applyPress(current, press, verdict.groupCheck, now).record, result: verdict };
    },
    record,
  );
  if (stored.result.verdict !== 'store' || !stored.written) {
    if (stored.exhausted) throw new Error(`task ${press.taskId} kept changing while a press was stored`);
    return answered(deps, press, stored.result, by);
  }
  deps.logger.info('Press stored for a worker', {
    taskId: press.taskId,
    action: press.kind,
    recordId: press.recordId,
    by,
  });
  const queued = await deps.queue
    .send([
      {
        message: { taskId: press.taskId, observe: true, until: deps.now() + deps.followMs, tick: now },
        delaySeconds: 0,
      },
    ])
    .then(
      () => true,
      (error: unknown) => {
        deps.logger.warn('The poll for a press was not queued; the next planner tick polls the task', {
          taskId: press.taskId,
          error: String(error),
        });
        return false;
      },
    );
  return { status: 'stored', queued };
}

async function answered(
  deps: PressDeps,
  press: Press,
  verdict: PressVerdict,
  by: string,
): Promise<PressResult> {
  if (verdict.verdict === 'known') {
    await answer(deps, press, knownPressAnswer(verdict.request));
    return { status: 'known' };
  }
  const reason = verdict.verdict === 'refuse' ? verdict.reason : 'changed';
  deps.logger.info('Press refused', { taskId: press.taskId, action: press.kind, reason, by });
  if (verdict.verdict === 'refuse') await answer(deps, press, refusalAnswer(verdict.reason));
  return { status: 'refused', reason };
}

const answer = async (deps: PressDeps, press: Press, body: EphemeralAnswer): Promise<void> => {
  if (press.responseUrl === null) return;
  if (!(await deps.responder.respond(press.responseUrl, body))) {
    deps.logger.warn('The presser could not be answered', { taskId: press.taskId, action: press.kind });
  }
};
