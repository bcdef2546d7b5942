// The reliability checker knows the messages insight adds: a fix ("✅ fixed") or a stuck notice told twice is a
// duplicate, a fix never told is lost, a stuck notice about a step that never ran long is wrong, and a failed run's
// living message must end up naming the run that fixed it.
import { describe, expect, it } from 'vitest';
import type { RunTruth, StepTruth } from '../../local/codearts-simulator/index.js';
import type { FakeSlackMessage } from '../../local/fake-slack/index.js';
import { check, type SubscriptionSpec } from './support/checker.js';

const TASK = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
const CHANNEL = 'C0CHECKER1';
const T0 = Date.UTC(2026, 0, 10, 10, 0, 0);

const step = (startsAt: number, endsAt: number, outcome: StepTruth['outcome']): StepTruth => ({
  index: 0,
  name: 'Install',
  enabled: true,
  startsAt,
  endsAt,
  outcome,
  finalOutcome: outcome as StepTruth['finalOutcome'],
});

const run = (
  recordId: string,
  createdAt: number,
  stepMs: number,
  outcome: 'succeeded' | 'failed',
): RunTruth => ({
  taskId: TASK,
  recordId,
  releaseId: 1,
  executor: 'alice',
  type: 'deploy',
  trigger: { kind: 'control' },
  params: [],
  createdAt,
  runningAt: createdAt,
  endsAt: createdAt + stepMs,
  status: outcome,
  outcome,
  finished: true,
  deleted: false,
  steps: [step(createdAt, createdAt + stepMs, outcome === 'succeeded' ? 'done' : 'failed')],
});

let ts = 1_000;
const message = (
  text: string,
  key: string,
  threadTs: string | null = null,
  living = false,
): FakeSlackMessage => ({
  channel: CHANNEL,
  ts: `${ts++}.000000`,
  threadTs,
  text,
  blocks: null,
  attachments: null,
  metadata: { event_type: living ? 'codearts_run' : 'codearts_change', event_payload: { key } },
  broadcast: false,
  edits: [],
  author: 'bot',
});

/** A failed run A, then a success B whose Install step ran 6 minutes. */
const truth = [run('runA', T0, 10_000, 'failed'), run('runB', T0 + 60_000, 360_000, 'succeeded')];
const subscription: SubscriptionSpec = { taskId: TASK, channel: CHANNEL, mode: 'thread' };

function record(
  overrides: { fixedBy?: boolean; fixLine?: boolean; stuckTimes?: number; fixTimes?: number } = {},
) {
  const livingA = message(
    `❌ x: deployment failed at step 1/1 · Install · duration 10s${overrides.fixedBy === false ? '' : ' · fixed by run runB'}`,
    `${TASK}/runA`,
    null,
    true,
  );
  const replyA = message(
    '🚨 x: deployment failed\n❌ Step 1/1 · Install failed\n❌ Deployment failed after 10s',
    `${TASK}/runA/2`,
    livingA.ts,
  );
  const livingB = message('✅ x: deployment succeeded · duration 6m 00s', `${TASK}/runB`, null, true);
  const messages = [livingA, replyA, livingB];
  for (let i = 0; i < (overrides.stuckTimes ?? 1); i++) {
    messages.push(
      message(
        `⚠️ x: a step is taking far longer than usual\n⚠️ Step 1/1 · Install has run 5m 10s, usually 10s`,
        `${TASK}/runB/${4 + i}`,
        livingB.ts,
      ),
    );
  }
  const fix = overrides.fixLine === false ? '' : ' — ✅ fixed: broken for 6m over 1 failed run';
  for (let i = 0; i < (overrides.fixTimes ?? 1); i++) {
    messages.push(
      message(
        `x:\n✅ Step 1/1 · Install finished in 6m 00s — finally (usually 10s)\n✅ Deployment succeeded in 6m 00s${fix}`,
        `${TASK}/runB/${9 + i}`,
        livingB.ts,
      ),
    );
  }
  return check({
    slack: { messages: () => messages },
    truth: { runs: () => truth },
    subscriptions: [subscription],
  });
}

describe('the checker and the insight messages', () => {
  it('a faithful record is complete: the fix counts as a transition', () => {
    const result = record();
    expect(result.problems).toEqual([]);
    expect(result.expected).toBe(7); // per run: started, step, finished; plus B's fix
    expect(result.delivered).toBe(7);
  });

  it('a fix told twice is a duplicate; a fix never told is lost', () => {
    expect(record({ fixTimes: 2 }).problems).toContain(
      `${CHANNEL} (thread) task aaaaaaaa: runB/run.recovered delivered 2 times`,
    );
    expect(record({ fixLine: false }).lost).toBe(1);
  });

  it('a stuck notice told twice is a duplicate; one about a step that never ran long is wrong', () => {
    expect(record({ stuckTimes: 2 }).duplicated).toBe(1);
    const shortStep = [run('runA', T0, 10_000, 'failed'), run('runB', T0 + 60_000, 20_000, 'succeeded')];
    const result = check({
      slack: {
        messages: () => [message('⚠️ Step 1/1 · Install has run 5m 10s, usually 10s', `${TASK}/runB/4`)],
      },
      truth: { runs: () => shortStep },
      subscriptions: [{ ...subscription, mode: 'messages' }],
    });
    expect(result.problems).toContain(
      `${CHANNEL} (messages) task aaaaaaaa: told runB/step.stuck/0, which has not happened`,
    );
  });

  it('the failed run’s living message must name the run that fixed it', () => {
    expect(record({ fixedBy: false }).problems).toContain(
      `${CHANNEL} (thread) task aaaaaaaa: living message of runA does not say runB fixed it`,
    );
  });
});
