// The run summaries and people against dynalite over its wire protocol: a ring of slots per task beside the task
// item, expiry, people listed through the index without ever appearing in the planner's pages, and the index's
// insightDueAt.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoInsightStore } from '../../../functions/adapters/dynamodb/insight-store.js';
import { DynamoTaskStore } from '../../../functions/adapters/dynamodb/store.js';
import { RUN_SUMMARIES_KEPT } from '../../../functions/core/insight/decide-insight.js';
import type { RunSummary } from '../../../functions/core/insight/digest.js';
import { aWatch, TASK_ID } from '../../support/builders.js';
import { startDynalite, type TestDynamo } from '../../support/dynamo.js';

const NOW = Date.parse('2026-11-28T10:00:00.000Z');
const OTHER_TASK = 'ffffffffffffffffffffffffffffffff';
let dynamo: TestDynamo;
let tasks: DynamoTaskStore;
let insight: DynamoInsightStore;
let now = NOW;

beforeAll(async () => {
  dynamo = await startDynalite();
});
afterAll(async () => {
  await dynamo.stop();
});
beforeEach(async () => {
  const tableName = await dynamo.newTable();
  now = NOW;
  tasks = new DynamoTaskStore({ client: dynamo.documentClient, tableName });
  insight = new DynamoInsightStore({ client: dynamo.documentClient, tableName, now: () => now });
});

const summary = (recordId: string, at = new Date(NOW).toISOString()): RunSummary => ({
  recordId,
  status: 'succeeded',
  startedAt: null,
  endedAt: at,
  at,
  durationSeconds: 42,
  executor: 'alice',
  slowestStep: { name: 'Install', seconds: 30 },
});

const byRecord = (list: RunSummary[]) => [...list].sort((a, b) => (a.recordId < b.recordId ? -1 : 1));

describe('run summaries', () => {
  it('are kept per task in their slots, beside the task item and apart from other tasks', async () => {
    await tasks.watch(aWatch(), new Date(NOW).toISOString());
    await insight.putRunSummary(TASK_ID, 0, summary('a'));
    await insight.putRunSummary(TASK_ID, 1, summary('b'));
    await insight.putRunSummary(OTHER_TASK, 0, summary('x'));
    expect(byRecord(await insight.listRunSummaries(TASK_ID))).toEqual([summary('a'), summary('b')]);
    expect(await insight.listRunSummaries(OTHER_TASK)).toEqual([summary('x')]);
    // The task item is untouched and still the only task.
    expect((await tasks.getTask(TASK_ID))?.taskId).toBe(TASK_ID);
  });

  it('a slot written again holds the newer summary: the ring never grows past its size', async () => {
    await insight.putRunSummary(TASK_ID, 7, summary('old'));
    await insight.putRunSummary(TASK_ID, 7, summary('new'));
    await insight.putRunSummary(TASK_ID, 7, summary('new'));
    expect(await insight.listRunSummaries(TASK_ID)).toEqual([summary('new')]);
    await expect(insight.putRunSummary(TASK_ID, RUN_SUMMARIES_KEPT, summary('z'))).rejects.toThrow(
      RangeError,
    );
    await expect(insight.putRunSummary(TASK_ID, -1, summary('z'))).rejects.toThrow(RangeError);
  });

  it('leaves out summaries past their TTL that DynamoDB has not deleted yet', async () => {
    await insight.putRunSummary(TASK_ID, 0, summary('old', '2026-11-01T00:00:00.000Z'));
    await insight.putRunSummary(TASK_ID, 1, summary('recent', '2026-11-27T00:00:00.000Z'));
    expect((await insight.listRunSummaries(TASK_ID)).map((s) => s.recordId)).toEqual(['recent']);
  });

  it('reads several pages', async () => {
    const many = Array.from({ length: 120 }, (_, i) => ({
      ...summary(`run-${String(i).padStart(3, '0')}`),
      executor: 'x'.repeat(9000),
    }));
    for (const [i, s] of many.entries()) await insight.putRunSummary(TASK_ID, i, s);
    expect(byRecord(await insight.listRunSummaries(TASK_ID))).toEqual(many);
  });
});

describe('people', () => {
  const person = (codeartsUser: string, slackUser: string) => ({
    codeartsUser,
    slackUser,
    updatedAt: '2026-11-28T10:00:00.000Z',
    updatedBy: 'ci',
  });

  it('are put, read, listed in order, replaced and deleted', async () => {
    await insight.putPerson(person('zoe', 'U0ZOE00001'));
    await insight.putPerson(person('devcloud_test', 'U0DEV00001'));
    await insight.putPerson(person('devcloud_test', 'U0DEV00002'));
    expect(await insight.getPerson('devcloud_test')).toEqual(person('devcloud_test', 'U0DEV00002'));
    expect(await insight.getPerson('nobody')).toBeNull();
    expect(await insight.listPeople()).toEqual([
      person('devcloud_test', 'U0DEV00002'),
      person('zoe', 'U0ZOE00001'),
    ]);
    expect(await insight.deletePerson('zoe')).toBe(true);
    expect(await insight.deletePerson('zoe')).toBe(false);
    expect(await insight.listPeople()).toEqual([person('devcloud_test', 'U0DEV00002')]);
  });

  it('resolve executors to Slack users, leaving out those nobody linked', async () => {
    await insight.putPerson(person('alice', 'U0ALICE001'));
    await insight.putPerson(person('bob', 'U0BOB00001'));
    expect(await insight.slackUsersOf(['alice'])).toEqual(new Map([['alice', 'U0ALICE001']]));
    expect(await insight.slackUsersOf(['alice', 'bob', 'carol', '', 'alice'])).toEqual(
      new Map([
        ['alice', 'U0ALICE001'],
        ['bob', 'U0BOB00001'],
      ]),
    );
    expect(await insight.slackUsersOf(['carol'])).toEqual(new Map());
    expect(await insight.slackUsersOf([])).toEqual(new Map());
  });

  it('never appear among the watches the planner reads', async () => {
    await tasks.watch(aWatch(), new Date(NOW).toISOString());
    await insight.putPerson(person('alice', 'U0ALICE001'));
    const entries = [];
    for await (const page of tasks.pages()) entries.push(...page.entries);
    expect(entries.map((e) => e.taskId)).toEqual([TASK_ID]);
    const listed = [];
    for await (const record of tasks.listTasks()) listed.push(record.taskId);
    expect(listed).toEqual([TASK_ID]);
  });
});

describe('the watch index', () => {
  it('carries when a digest falls due, and nothing for a watch without one', async () => {
    await tasks.watch(aWatch(), '2026-11-28T09:00:00.000Z');
    await tasks.watch(
      aWatch({
        taskId: OTHER_TASK,
        options: { notify: 'all', mode: 'thread', mentions: [], digest: { every: 'daily', timeZone: 'UTC' } },
      }),
      '2026-11-28T09:00:00.000Z',
    );
    const entries = [];
    for await (const page of tasks.pages()) entries.push(...page.entries);
    expect(entries.map((e) => [e.taskId, e.insightDueAt])).toEqual([
      [TASK_ID, null],
      [OTHER_TASK, '2026-11-29T00:00:00.000Z'],
    ]);
    // The index attribute is the store's, not the record's.
    expect(await tasks.getTask(OTHER_TASK)).not.toHaveProperty('insightDueAt');
  });
});
