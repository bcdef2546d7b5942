// Test support: the scenes the acting-from-Slack tests start from (a watched task, a run going or ended, as the
// harness's workers reported them), and what the tests read back (the presser's private answers, a run's thread).
import type { Acting } from './acting.js';
import { OPERATOR, OTHER_OPERATOR } from './acting.js';
import { CHANNEL, type Harness } from './harness.js';

export const STEP_MS = 10_000;

type Param = { name: string; type: string; value: string };

export function actingScenes(h: Harness, a: Acting) {
  /** The text of every private answer posted to a response URL, oldest first. */
  const answers = () => h.slack.responses.map((r) => String(r.body?.text ?? ''));

  /** The replies in the thread of the run's living message. */
  const threadOf = (taskId: string, recordId: string) => {
    const living = a.living(taskId, recordId);
    return living
      ? h.slack
          .thread(CHANNEL, living.ts)
          .slice(1)
          .map((m) => m.text)
      : [];
  };

  /** A watched task with a baseline (it has never run), whose watch names `operators`. */
  const watchedTask = async (operators: string[] = [OPERATOR, OTHER_OPERATOR], params: Param[] = []) => {
    const { taskId } = h.sim.createTask({
      name: `svc-${Math.random().toString(36).slice(2, 8)}`,
      steps: ['Select Deployment Source', 'Install Package', 'Health Check'].map((name) => ({
        name,
        durationMs: STEP_MS,
      })),
      params,
    });
    await h.watch(taskId, { options: { notify: 'all', mode: 'thread', mentions: [], operators } });
    await h.cycle(a.opts());
    return taskId;
  };

  /** A run that sits in its second step for ten minutes, seen by a poll: its living message has a stop button. */
  const runningRun = async (taskId: string) => {
    const { recordId } = h.sim.startRun(taskId, { pendingMs: 0, slowStep: { step: 1, durationMs: 600_000 } });
    h.advance(STEP_MS + 1000);
    await h.cycle(a.opts());
    return recordId;
  };

  /** A run that ran to its end (`outcome`) and was reported in full. */
  const finishedRun = async (taskId: string, outcome: 'succeeded' | 'failed', params?: Param[]) => {
    const { recordId } = h.sim.startRun(
      taskId,
      {
        pendingMs: 0,
        outcome,
        ...(outcome === 'failed' ? { failAtStep: 1 } : {}),
        stepDurationsMs: [1000, 1000, 1000],
      },
      params ? { params } : {},
    );
    h.advance(5_000);
    await h.cycle(a.opts());
    return recordId;
  };

  /** The polls the api queued for presses, acted on by the workers (no planner tick). */
  const act = () => h.follow(0, a.opts());

  /** Every test starts from an empty Slack, no faults, an empty request log and queue. */
  const reset = () => {
    h.slack.reset();
    h.sim.clearFaults();
    h.sim.clearRequests();
    h.queue.clear();
    h.queue.misbehave({});
  };

  return { answers, threadOf, watchedTask, runningRun, finishedRun, act, reset };
}
