import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
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

const collect = async (tasks: AsyncIterable<TaskRecord>) => {
  const all: TaskRecord[] = [];
  for await (const task of tasks) all.push(task);
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

  it('grants the lease to one owner at a time until it expires or is released', async () => {
    expect(await store.acquireLease('poller', 'a', 1000, 61_000)).toBe(true);
    expect(await store.acquireLease('poller', 'b', 2000, 62_000)).toBe(false);
    expect(await store.acquireLease('poller', 'b', 61_001, 121_001)).toBe(true);
    await store.releaseLease('poller', 'a', 70_000); // no longer a's: ignored
    expect(await store.lastCompletedAt('poller')).toBeNull();
    await store.releaseLease('poller', 'b', 70_000);
    expect(await store.lastCompletedAt('poller')).toBe(70_000);
    expect(await store.acquireLease('poller', 'c', 70_001, 130_001)).toBe(true);
  });

  it('breaks a lease held by a dead owner', async () => {
    await store.breakLease('poller'); // never taken: nothing to do
    expect(await store.acquireLease('poller', 'dead', 1000, 61_000)).toBe(true);
    expect(await store.acquireLease('poller', 'next', 2000, 62_000)).toBe(false);
    await store.breakLease('poller');
    expect(await store.acquireLease('poller', 'next', 2000, 62_000)).toBe(true);
  });
});
