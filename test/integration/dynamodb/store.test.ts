import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoFleetGates } from '../../../functions/adapters/dynamodb/fleet-gates.js';
import { DynamoPlannerTicks, TickLostError } from '../../../functions/adapters/dynamodb/planner-ticks.js';
import { DynamoTaskStore } from '../../../functions/adapters/dynamodb/store.js';
import type { TaskRecord } from '../../../functions/core/model.js';
import { applyObservation } from '../../../functions/core/task-record.js';
import { applyChannelProjects } from '../../../functions/core/trust.js';
import { aRun, aWatch, TASK_ID } from '../../support/builders.js';
import { startDynalite, type TestDynamo } from '../../support/dynamo.js';

const NOW = '2026-11-28T10:00:00.000Z';
let dynamo: TestDynamo;
let store: DynamoTaskStore;

beforeAll(async () => {
  dynamo = await startDynalite();
});
afterAll(async () => {
  await dynamo.stop();
});
beforeEach(async () => {
  store = new DynamoTaskStore({
    client: dynamo.documentClient,
    tableName: await dynamo.newTable(),
    pageSize: 3,
  });
});

const collect = async <T>(items: AsyncIterable<T>): Promise<T[]> => {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
};

describe('DynamoTaskStore', () => {
  it('creates a watch with its baseline and reads it back', async () => {
    const { outcome, record } = await store.watch(aWatch(), NOW);
    expect(outcome).toBe('created');
    expect(record.version).toBe(1);
    const stored = await store.getTask(TASK_ID);
    expect(stored).toEqual(record);
    expect(stored?.run?.steps?.[0]?.progress).toBe('running');
    expect(stored?.health.lastSuccessAt).toBe(NOW);
  });

  it('treats a repeated watch as harmless and a new channel as a new subscription', async () => {
    await store.watch(aWatch(), NOW);
    expect((await store.watch(aWatch(), NOW)).outcome).toBe('unchanged');
    expect(
      (await store.watch(aWatch({ options: { notify: 'failures', mode: 'thread', mentions: [] } }), NOW))
        .outcome,
    ).toBe('updated');
    const { record, outcome } = await store.watch(aWatch({ channel: 'C0000000002' }), NOW);
    expect(outcome).toBe('subscribed');
    expect(Object.keys(record.subscriptions).sort()).toEqual(['C0000000002', 'C0123456789']);
    expect(record.version).toBe(3);
  });

  it('removes one channel, then the whole task with its last channel', async () => {
    await store.watch(aWatch(), NOW);
    await store.watch(aWatch({ channel: 'C0000000002' }), NOW);
    const remaining = await store.unwatch(TASK_ID, 'C0123456789', NOW);
    expect(remaining).not.toBeNull();
    expect(Object.keys((remaining as TaskRecord).subscriptions)).toEqual(['C0000000002']);
    expect(await store.unwatch(TASK_ID, 'C0123456789', NOW)).toBe('not-found');
    expect(await store.unwatch(TASK_ID, undefined, NOW)).toBeNull();
    expect(await store.getTask(TASK_ID)).toBeNull();
    expect(await store.unwatch(TASK_ID, undefined, NOW)).toBe('not-found');
  });

  it('writes only over the version it read', async () => {
    const { record } = await store.watch(aWatch(), NOW);
    const next = applyObservation(
      record,
      { run: aRun({ status: 'succeeded' }), batch: null, health: record.health },
      NOW,
    );
    expect(await store.putTask(next, record.version)).toBe(true);
    // A second writer that read the same version loses.
    expect(await store.putTask({ ...next, taskName: 'other' }, record.version)).toBe(false);
    expect((await store.getTask(TASK_ID))?.run?.status).toBe('succeeded');
    expect(await store.putTask(record, null)).toBe(false);
    expect(await store.deleteTask(TASK_ID, record.version)).toBe(false);
  });

  it('keeps channel items apart from tasks, written only over the version read', async () => {
    await store.watch(aWatch(), NOW);
    expect(await store.getChannel('C0123456789')).toBeNull();
    const channel = applyChannelProjects(
      null,
      'C0123456789',
      ['AAAA0000AAAA0000AAAA0000AAAA0000'],
      { via: 'api', key: 'ci' },
      NOW,
    );
    expect(await store.putChannel(channel, null)).toBe(true);
    expect(await store.putChannel(channel, null)).toBe(false);
    expect(await store.getChannel('C0123456789')).toEqual(channel);
    const next = applyChannelProjects(channel, 'C0123456789', null, { via: 'api', key: 'ci' }, NOW);
    expect(await store.putChannel(next, 0)).toBe(false);
    expect(await store.putChannel(next, channel.version)).toBe(true);
    expect((await store.getChannel('C0123456789'))?.audit.map((e) => e.action)).toEqual(['restrict', 'open']);
    // Not a watched task: the listing and the watch index never see it.
    expect((await collect(store.listTasks())).map((t) => t.taskId)).toEqual([TASK_ID]);
  });

  it('records who unwatched in the task item', async () => {
    await store.watch(aWatch({ actor: { via: 'api', key: 'ci' } }), NOW);
    await store.watch(aWatch({ channel: 'C0000000002' }), NOW);
    const remaining = await store.unwatch(TASK_ID, 'C0000000002', NOW, {
      via: 'slack',
      user: 'U0123ABCD9',
      team: 'T0123ABCD',
    });
    expect(remaining !== 'not-found' && remaining?.audit).toEqual([
      { at: NOW, via: 'api', by: 'ci', action: 'watch', channel: 'C0123456789', detail: expect.any(String) },
      {
        at: NOW,
        via: 'slack',
        by: 'U0123ABCD9',
        team: 'T0123ABCD',
        action: 'unwatch',
        channel: 'C0000000002',
      },
    ]);
  });

  it('lists every task across pages', async () => {
    const ids = Array.from({ length: 8 }, (_, i) => `${i}`.padStart(32, 'a'));
    for (const taskId of ids) await store.watch(aWatch({ taskId }), NOW);
    const listed = await collect(store.listTasks());
    expect(listed.map((t) => t.taskId).sort()).toEqual(ids.sort());
  });

  it('reads the watch index a page at a time, with what the planner decides on, and resumes after a cursor', async () => {
    const ids = Array.from({ length: 7 }, (_, i) => `${i}`.padStart(32, 'c'));
    for (const taskId of ids) {
      await store.watch(aWatch({ taskId, run: taskId === ids[2] ? aRun({ taskId }) : null }), NOW);
    }
    const pages = await collect(store.pages());
    const entries = pages.flatMap((p) => p.entries).filter((e) => ids.includes(e.taskId));
    expect(entries.map((e) => e.taskId)).toEqual(ids);
    expect(entries.find((e) => e.taskId === ids[2])).toMatchObject({
      active: true,
      pending: false,
      gone: false,
    });
    expect(entries.find((e) => e.taskId === ids[0])).toMatchObject({ active: false, region: 'cn-north-4' });
    expect(pages.at(-1)?.cursor).toBeNull();
    const cursor = pages[0]!.cursor!;
    const rest = (await collect(store.pages({ after: cursor }))).flatMap((p) =>
      p.entries.map((e) => e.taskId),
    );
    const all = pages.flatMap((p) => p.entries.map((e) => e.taskId));
    expect(rest).toEqual(all.slice(all.indexOf(cursor) + 1));
  });
});

describe('DynamoPlannerTicks', () => {
  const tick = (minute: number) => new Date(Date.UTC(2026, 0, 1, 12, minute)).toISOString();

  it('lets one invocation plan a tick, refuses a duplicate, and a tick older than the last', async () => {
    const ticks = new DynamoPlannerTicks(dynamo.documentClient, await dynamo.newTable());
    expect(await ticks.claim(tick(1), 'a', 1_000, 60_000)).toEqual({
      resumeAfter: null,
      previousCompletedAt: null,
    });
    expect(await ticks.claim(tick(1), 'b', 2_000, 60_000)).toBe('taken'); // a is on it
    await ticks.complete(tick(1), 'a');
    expect(await ticks.claim(tick(1), 'c', 90_000, 150_000)).toBe('taken'); // done
    expect(await ticks.claim(tick(0), 'd', 90_000, 150_000)).toBe('taken'); // superseded
    expect(await ticks.lastCompletedAt()).toBe(Date.parse(tick(1)));
    // The change feed reads back to the last tick planned to the end.
    expect(await ticks.claim(tick(2), 'e', 90_000, 150_000)).toEqual({
      resumeAfter: null,
      previousCompletedAt: Date.parse(tick(1)),
    });
  });

  it('hands a tick whose planner died to the next invocation once its claim lapsed, from its cursor', async () => {
    const ticks = new DynamoPlannerTicks(dynamo.documentClient, await dynamo.newTable());
    expect(await ticks.lastCompletedAt()).toBeNull();
    expect(await ticks.claim(tick(5), 'dead', 1_000, 30_000)).toEqual({
      resumeAfter: null,
      previousCompletedAt: null,
    });
    await ticks.progress(tick(5), 'dead', 'task-cursor');
    expect(await ticks.claim(tick(5), 'early', 20_000, 80_000)).toBe('taken');
    expect(await ticks.claim(tick(5), 'retry', 30_001, 90_000)).toEqual({
      resumeAfter: 'task-cursor',
      previousCompletedAt: null,
    });
    await expect(ticks.progress(tick(5), 'dead', 'late')).rejects.toBeInstanceOf(TickLostError);
    await ticks.complete(tick(5), 'retry');
    expect(await ticks.lastCompletedAt()).toBe(Date.parse(tick(5)));
  });
});

describe('DynamoFleetGates', () => {
  it('closes a gate until a time, never shortening a longer pause, and reads every gate back', async () => {
    const gates = new DynamoFleetGates(dynamo.documentClient, await dynamo.newTable());
    expect([...(await gates.read())]).toEqual([]);
    await gates.pause('codearts', 5_000);
    await gates.pause('codearts', 3_000); // shorter: ignored
    await gates.pause('slack:C0123456789', 9_000);
    expect(Object.fromEntries(await gates.read())).toEqual({ codearts: 5_000, 'slack:C0123456789': 9_000 });
    await gates.pause('codearts', 7_000);
    expect((await gates.read()).get('codearts')).toBe(7_000);
  });
});
