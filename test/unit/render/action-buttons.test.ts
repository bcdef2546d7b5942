import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ActionContext } from '../../../functions/core/render/action-buttons.js';
import { renderActionNote } from '../../../functions/core/render/action-message.js';
import {
  planDelivery,
  renderLivingMessage,
  slackLimitViolations,
} from '../../../functions/core/render/index.js';
import { allBlocks, ctx, failedRun, run } from './fixtures.js';

const TASK = '418443e4c4034b54b0bd399412c6e168';
const SUCCESS = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
const acting = (over: Partial<ActionContext> = {}): ActionContext => ({
  taskId: TASK,
  enabled: true,
  lastSucceeded: SUCCESS,
  ...over,
});

type Obj = Record<string, unknown>;
const buttonsOf = (message: { blocks?: unknown[]; attachments?: unknown[] }): Obj[] =>
  allBlocks(message)
    .filter((b) => b.type === 'actions')
    .flatMap((b) => b.elements as Obj[]);
const ids = (message: { blocks?: unknown[]; attachments?: unknown[] }) =>
  buttonsOf(message).map((b) => b.action_id);

describe('buttons on the living message', () => {
  it('offers stop while the run is going, with a confirm dialog naming the run and the task', () => {
    const message = renderLivingMessage(run(), ctx({ actions: acting() }));
    const [stop] = buttonsOf(message);
    expect(ids(message)).toEqual(['codearts.stop']);
    expect(JSON.parse(String(stop?.value))).toEqual({ task_id: TASK, record_id: run().recordId });
    expect(stop?.confirm).toMatchObject({
      title: { type: 'plain_text', text: 'Stop this deployment?' },
      text: {
        text: 'Stops run c0efeb5c of shop-api prod in CodeArts now. Steps already done are not undone.',
      },
      confirm: { text: 'Stop it' },
      deny: { text: 'Cancel' },
    });
    expect(slackLimitViolations(message)).toEqual([]);
  });

  it('offers re-run on a finished run, and roll back too on a failed one after an earlier success', () => {
    const succeeded = run({ status: 'succeeded', rawStatus: 'succeeded', stepsFinished: true });
    expect(ids(renderLivingMessage(succeeded, ctx({ actions: acting() })))).toEqual(['codearts.rerun']);
    const failed = renderLivingMessage(failedRun(), ctx({ actions: acting() }));
    expect(ids(failed)).toEqual(['codearts.rerun', 'codearts.rollback']);
    expect(JSON.stringify(buttonsOf(failed)[1]?.confirm)).toContain(
      'deploys again what run aaaaaaaa deployed',
    );
    expect(ids(renderLivingMessage(failedRun(), ctx({ actions: acting({ lastSucceeded: null }) })))).toEqual([
      'codearts.rerun',
    ]);
  });

  it('shows no button on a watch without operators', () => {
    expect(ids(renderLivingMessage(run(), ctx()))).toEqual([]);
    expect(ids(renderLivingMessage(run(), ctx({ actions: acting({ enabled: false }) })))).toEqual([]);
  });

  it('stays within Slack limits whatever the task is called', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 3000 }), fc.boolean(), (name, failed) => {
        const message = renderLivingMessage(
          failed ? failedRun() : run(),
          ctx({ taskName: name, actions: acting() }),
        );
        expect(slackLimitViolations(message)).toEqual([]);
        expect(ids(message).length).toBeGreaterThan(0);
      }),
      { numRuns: 200 },
    );
  });

  it('is checked like Slack checks it', () => {
    const tooLong = {
      text: 'x',
      blocks: [
        {
          type: 'actions',
          elements: [{ type: 'button', action_id: 'a', text: { type: 'plain_text', text: 'x'.repeat(76) } }],
        },
      ],
    };
    expect(slackLimitViolations(tooLong)).toEqual(['blocks[0].elements[0].text: length 76 outside 1..75']);
    expect(slackLimitViolations({ text: 'x', blocks: [{ type: 'actions', elements: [] }] })).toHaveLength(1);
  });
});

describe('buttons without a living message', () => {
  const options = (mode: 'thread' | 'messages', notify: 'all' | 'failures' = 'all') => ({
    notify,
    mode,
    mentions: [],
  });
  const events = [
    {
      type: 'run.finished' as const,
      recordId: failedRun().recordId,
      status: 'failed' as const,
      durationSeconds: 5,
    },
  ];

  it('go on the run latest channel post in messages mode and on failure announcements', () => {
    for (const [mode, notify] of [
      ['messages', 'all'],
      ['thread', 'failures'],
    ] as const) {
      const plan = planDelivery({
        run: failedRun(),
        events,
        options: options(mode, notify),
        ctx: ctx({ actions: acting() }),
        previousRunFailed: false,
      });
      expect(plan.posts).toHaveLength(1);
      expect(ids(plan.posts[0]!)).toEqual(['codearts.rerun', 'codearts.rollback']);
      expect(slackLimitViolations(plan.posts[0]!)).toEqual([]);
    }
  });

  it('are not put on thread replies (the living message holds them)', () => {
    const plan = planDelivery({
      run: failedRun(),
      events,
      options: options('thread'),
      ctx: ctx({ actions: acting() }),
      previousRunFailed: false,
    });
    expect(ids(plan.reply!.message)).toEqual([]);
    expect(ids(plan.living!)).toEqual(['codearts.rerun', 'codearts.rollback']);
  });
});

describe('the note a press leaves', () => {
  const note = { key: 'k', channel: 'C0123456789', user: 'U0OPERATOR1', recordId: run().recordId };
  it('says who stopped, re-ran or rolled back', () => {
    const thread = { taskName: 'shop-api prod', audience: 'thread' as const };
    expect(renderActionNote({ ...note, kind: 'stop' }, thread).text).toBe('⏹️ Stopped by <@U0OPERATOR1>');
    expect(renderActionNote({ ...note, kind: 'rerun', newRecordId: SUCCESS }, thread).text).toBe(
      '🔁 Re-run by <@U0OPERATOR1> → new run `aaaaaaaa`',
    );
    expect(
      renderActionNote(
        { ...note, kind: 'rollback', rollbackTo: SUCCESS, newRecordId: 'b'.repeat(32) },
        thread,
      ).text,
    ).toBe('⏪ Rolled back to run `aaaaaaaa` by <@U0OPERATOR1> → new run `bbbbbbbb`');
    expect(
      renderActionNote({ ...note, kind: 'stop' }, { taskName: 'shop-api <prod>', audience: 'channel' }).text,
    ).toBe('shop-api &lt;prod&gt; · run `c0efeb5c`: ⏹️ Stopped by <@U0OPERATOR1>');
  });
});
