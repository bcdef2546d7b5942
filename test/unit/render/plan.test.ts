import { describe, expect, it } from 'vitest';
import type { SubscriptionOptions, TaskEvent } from '../../../functions/core/model.js';
import { type PlanInput, planDelivery, slackLimitViolations } from '../../../functions/core/render/index.js';
import { blockText, ctx, failedRun, run, step } from './fixtures.js';

const R = 'c0efeb5cb77642a4b57da207c8067ef9';
const FAQ = 'https://support.huaweicloud.com/deployman_faq/x.html?a=1&b=2';

const ev = {
  runStarted: { type: 'run.started', recordId: R },
  step1Started: { type: 'step.started', recordId: R, step: 0, name: 'Select Deployment Source' },
  step1Finished: {
    type: 'step.finished',
    recordId: R,
    step: 0,
    name: 'Select Deployment Source',
    elapsed: 3,
  },
  step2Finished: { type: 'step.finished', recordId: R, step: 1, name: 'Stop Service', elapsed: 65 },
  step3Failed: { type: 'step.failed', recordId: R, step: 2, name: 'Start Spring Boot Service', faqUrl: FAQ },
  runFailed: { type: 'run.finished', recordId: R, status: 'failed', durationSeconds: 122 },
  runSucceeded: { type: 'run.finished', recordId: R, status: 'succeeded', durationSeconds: 130 },
} satisfies Record<string, TaskEvent>;

const opts = (o: Partial<SubscriptionOptions> = {}): SubscriptionOptions => ({
  notify: 'all',
  mode: 'thread',
  mentions: [],
  ...o,
});

const plan = (events: TaskEvent[], over: Partial<PlanInput> = {}) =>
  planDelivery({ run: run(), events, options: opts(), ctx: ctx(), previousRunFailed: false, ...over });

const succeededRun = () =>
  run({
    status: 'succeeded',
    endedAt: '2025-07-09T03:38:38.000Z',
    steps: [step(0, 'done'), step(1, 'done'), step(2, 'done')],
  });

describe('planDelivery — thread mode, notify all', () => {
  it('only updates the living message when a run or a step merely starts', () => {
    const p = plan([ev.runStarted, ev.step1Started]);
    expect(p.living?.attachments).toHaveLength(1);
    expect(p.reply).toBeNull();
    expect(p.posts).toEqual([]);
  });

  it('replies quietly in the thread when a step finishes', () => {
    const p = plan([ev.step1Finished]);
    expect(p.reply?.broadcast).toBe(false);
    expect(blockText(p.reply!.message)).toBe('✅ Step 1/3 · Select Deployment Source finished in 3s');
    expect(p.reply!.message.text).toContain('Select Deployment Source finished in 3s');
    expect(p.reply!.message.text).not.toContain('<@');
  });

  it('coalesces every change of a batch, even from several polls, into one reply', () => {
    const p = plan([ev.runStarted, ev.step1Started, ev.step1Finished, ev.step2Finished, ev.runSucceeded], {
      run: succeededRun(),
    });
    const body = blockText(p.reply!.message);
    expect(body.split('\n')).toEqual([
      '✅ Step 1/3 · Select Deployment Source finished in 3s',
      '✅ Step 2/3 · Stop Service finished in 1m 05s',
      '✅ Deployment succeeded in 2m 10s',
    ]);
    expect(p.reply?.broadcast).toBe(false);
    expect(p.posts).toEqual([]);
  });

  it('broadcasts a failure, mentions the configured users, names the step and links the fix', () => {
    const p = plan([ev.step2Finished, ev.step3Failed, ev.runFailed], {
      run: failedRun(),
      options: opts({ mentions: ['U012ABCDEF', 'W0ZZZ'] }),
    });
    expect(p.reply?.broadcast).toBe(true);
    const body = blockText(p.reply!.message);
    expect(body).toContain(
      '🚨 <@U012ABCDEF> <@W0ZZZ> shop-api prod: *deployment failed* at step 3/5 · Start Spring Boot Service',
    );
    expect(body).toContain('<https://support.huaweicloud.com/deployman_faq/x.html?a=1&amp;b=2|*How to fix*>');
    expect(body).toContain('❌ Step 3/5 · Start Spring Boot Service failed');
    expect(body).toContain('❌ Deployment failed after 2m 02s');
    expect(body).toContain('Open in CodeArts');
    expect(p.reply!.message.text).toMatch(
      /^🚨 <@U012ABCDEF> <@W0ZZZ> shop-api prod: deployment failed at step 3\/5/,
    );
    expect(p.reply!.message.text).toContain('How to fix');
    // The living message names them too, and is red.
    expect(blockText(p.living!)).toContain('cc <@U012ABCDEF> <@W0ZZZ>');
  });

  it('mentions users from the render context as well, each once', () => {
    const p = plan([ev.step3Failed, ev.runFailed], {
      run: failedRun(),
      options: opts({ mentions: ['U012ABCDEF'] }),
      ctx: ctx({ mentions: ['U012ABCDEF', 'U0OTHER1'] }),
    });
    expect(p.reply!.message.text).toContain('<@U012ABCDEF> <@U0OTHER1> shop-api');
  });

  it('says when a success follows a failure', () => {
    const p = plan([ev.runSucceeded], { run: succeededRun(), previousRunFailed: true });
    expect(blockText(p.reply!.message)).toContain(
      'Deployment succeeded in 2m 10s — recovered after the previous failure',
    );
    // The failure was broadcast to the channel, so the fix is too.
    expect(p.reply?.broadcast).toBe(true);
  });

  it('ignores events of other runs and repeated transitions', () => {
    const p = plan([ev.step1Finished, { ...ev.step2Finished, recordId: 'another-run' }, ev.step1Finished]);
    expect(blockText(p.reply!.message).split('\n')).toEqual([
      '✅ Step 1/3 · Select Deployment Source finished in 3s',
    ]);
  });

  it('still renders the living message with nothing pending (stale notice set or cleared)', () => {
    const p = plan([], { ctx: ctx({ staleSince: '2025-07-09T03:00:00.000Z' }) });
    expect(blockText(p.living!)).toContain('Monitoring stale since');
    expect(p.reply).toBeNull();
  });
});

describe('planDelivery — notify status', () => {
  it('keeps the living message but replies only when the run finishes', () => {
    const o = opts({ notify: 'status' });
    const p1 = plan([ev.runStarted, ev.step1Started, ev.step1Finished], { options: o });
    expect(p1.living).not.toBeNull();
    expect(p1.reply).toBeNull();

    const p2 = plan([ev.step2Finished, ev.runSucceeded], { options: o, run: succeededRun() });
    expect(blockText(p2.reply!.message)).toBe('✅ Deployment succeeded in 2m 10s');
  });

  it('still names the failed step, the fix and the people when the run fails', () => {
    const p = plan([ev.step3Failed, ev.runFailed], {
      run: failedRun(),
      options: opts({ notify: 'status', mentions: ['U012ABCDEF'] }),
    });
    expect(p.reply?.broadcast).toBe(true);
    const body = blockText(p.reply!.message);
    expect(body).toContain('<@U012ABCDEF>');
    expect(body).toContain('at step 3/5 · Start Spring Boot Service');
    expect(body).toContain('How to fix');
    expect(body).not.toContain('❌ Step 3/5'); // no step detail lines
  });
});

describe('planDelivery — notify failures', () => {
  const o = opts({ notify: 'failures', mentions: ['U012ABCDEF'] });

  it('stays silent while runs go well, with no living message and no thread', () => {
    const p = plan([ev.runStarted, ev.step1Started, ev.step1Finished, ev.step2Finished, ev.runSucceeded], {
      options: o,
      run: succeededRun(),
    });
    expect(p).toEqual({ living: null, reply: null, posts: [] });
  });

  it('posts one channel message when a run fails: step, mentions, fix, link', () => {
    const p = plan([ev.step2Finished, ev.step3Failed, ev.runFailed], { options: o, run: failedRun() });
    expect(p.living).toBeNull();
    expect(p.reply).toBeNull();
    expect(p.posts).toHaveLength(1);
    const post = p.posts[0]!;
    const body = blockText(post);
    expect(body).toContain('❌ shop-api prod');
    expect(body).toContain('🚨 <@U012ABCDEF> Deployment failed at step 3/5 · Start Spring Boot Service');
    expect(body).toContain('|*How to fix*>');
    expect(body).toContain('*Duration*\n2m 02s');
    expect(body).toContain('Open in CodeArts');
    expect(post.text).toContain('<@U012ABCDEF> shop-api prod: deployment failed at step 3/5');
  });

  it.each(['timeout', 'abort', 'not_started'] as const)(
    'treats a run that ended %s as unsuccessful',
    (status) => {
      const p = plan([{ type: 'run.finished', recordId: R, status, durationSeconds: 10 }], {
        options: o,
        run: failedRun(),
      });
      expect(p.posts).toHaveLength(1);
    },
  );

  it('announces the recovery when a run succeeds after a failed one', () => {
    const p = plan([ev.runSucceeded], { options: o, run: succeededRun(), previousRunFailed: true });
    expect(p.posts).toHaveLength(1);
    expect(p.posts[0]!.text).toBe(
      '✅ shop-api prod: Deployment succeeded in 2m 10s — recovered after the previous failure',
    );
    expect(p.posts[0]!.text).not.toContain('<@');
  });

  it('does not announce a failed step before the run has finished', () => {
    expect(plan([ev.step3Failed], { options: o, run: failedRun() }).posts).toEqual([]);
  });
});

describe('planDelivery — mode messages', () => {
  it('posts each batch as one channel message, the start included, with no living message', () => {
    const p = plan([ev.runStarted, ev.step1Started, ev.step1Finished], {
      options: opts({ mode: 'messages' }),
    });
    expect(p.living).toBeNull();
    expect(p.reply).toBeNull();
    expect(p.posts).toHaveLength(1);
    const body = blockText(p.posts[0]!);
    expect(body).toContain('🔄 shop-api prod');
    expect(body).toContain('▶️ Deployment started by devcloud_test');
    expect(body).toContain('✅ Step 1/3 · Select Deployment Source finished in 3s');
    expect(body).not.toContain('started\n🔄'); // step.started is not news on its own
  });

  it('posts nothing for a batch of step starts only', () => {
    expect(plan([ev.step1Started], { options: opts({ mode: 'messages' }) }).posts).toEqual([]);
  });

  it('mentions the configured users on failure', () => {
    const p = plan([ev.step3Failed, ev.runFailed], {
      options: opts({ mode: 'messages', mentions: ['U012ABCDEF'] }),
      run: failedRun(),
    });
    expect(p.posts).toHaveLength(1);
    expect(blockText(p.posts[0]!)).toContain('<@U012ABCDEF>');
    expect(blockText(p.posts[0]!)).toContain('❌ shop-api prod');
  });

  it('with notify status, posts only starts and ends', () => {
    const o = opts({ mode: 'messages', notify: 'status' });
    expect(plan([ev.step1Finished], { options: o }).posts).toEqual([]);
    const p = plan([ev.runStarted, ev.step1Finished], { options: o });
    expect(blockText(p.posts[0]!)).not.toContain('Step 1/3');
    expect(blockText(p.posts[0]!)).toContain('Deployment started');
  });
});

describe('planDelivery — size', () => {
  it('keeps a reply for 500 changes within limits, newest changes kept', () => {
    const steps = Array.from({ length: 500 }, (_, i) =>
      step(i, i < 499 ? 'done' : 'failed', { name: `s${i}` }),
    );
    const events: TaskEvent[] = [
      ...steps.slice(0, 499).map((s) => ({
        type: 'step.finished' as const,
        recordId: R,
        step: s.index,
        name: 'x'.repeat(3000),
        elapsed: 1,
      })),
      { type: 'step.failed', recordId: R, step: 499, name: 'last', faqUrl: FAQ },
      ev.runFailed,
    ];
    const p = plan(events, { run: failedRun(), options: opts({ mentions: ['U012ABCDEF'] }) });
    expect(slackLimitViolations(p.reply!.message)).toEqual([]);
    expect(slackLimitViolations(p.living!)).toEqual([]);
    const body = blockText(p.reply!.message);
    expect(body).toMatch(/…\d+ earlier changes/);
    expect(body).toContain('❌ Deployment failed after 2m 02s');
    expect(body).toContain('<@U012ABCDEF>');
  });
});
