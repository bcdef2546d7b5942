// `/codearts report [task_id]` through the api handler against dynalite: the figures of this channel's tasks from
// their stored run summaries; a task watched only elsewhere gets the same answer as one nobody watches.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { DynamoInsightStore } from '../../../functions/adapters/dynamodb/insight-store.js';
import type { DynamoTaskStore } from '../../../functions/adapters/dynamodb/store.js';
import type { RunSummary } from '../../../functions/core/insight/digest.js';
import type { ApiHandler } from '../../../functions/handlers/api-pipeline.js';
import { aWatch } from '../../support/builders.js';
import { startDynalite, type TestDynamo } from '../../support/dynamo.js';
import { TASK_A, TASK_NEVER_RUN } from '../../support/fakes/codearts.js';
import { call, NOW, slackEvent, slackForm } from '../../unit/api/fixtures.js';
import { apiOverDynamo } from './dynamo-handler.js';

const HERE = 'C0123ABCD9';
const ELSEWHERE = 'C0OTHER999';
let dynamo: TestDynamo;
let handler: ApiHandler;
let insight: DynamoInsightStore;
let tasks: DynamoTaskStore;

beforeAll(async () => {
  dynamo = await startDynalite();
});
afterAll(async () => {
  await dynamo.stop();
});
beforeEach(async () => {
  ({ handler, tasks, insight } = await apiOverDynamo(dynamo));
  await tasks.watch(
    aWatch({ taskId: TASK_A, channel: HERE, taskName: 'gateway-prod' }),
    '2026-11-01T00:00:00.000Z',
  );
  await tasks.watch(
    aWatch({ taskId: TASK_NEVER_RUN, channel: ELSEWHERE, taskName: 'secret-project' }),
    '2026-11-01T00:00:00.000Z',
  );
  const hoursAgo = (h: number) => new Date(NOW - h * 3600_000).toISOString();
  const summary = (
    recordId: string,
    at: string,
    status: RunSummary['status'],
    seconds: number,
  ): RunSummary => ({
    recordId,
    status,
    startedAt: null,
    endedAt: at,
    at,
    durationSeconds: seconds,
    executor: 'alice',
    slowestStep: { name: 'Install Package', seconds: seconds - 10 },
  });
  await insight.putRunSummary(TASK_A, 0, summary('r1', hoursAgo(200), 'succeeded', 60)); // the week before
  await insight.putRunSummary(TASK_A, 1, summary('r2', hoursAgo(30), 'failed', 40));
  await insight.putRunSummary(TASK_A, 2, summary('r3', hoursAgo(28), 'succeeded', 80));
  await insight.putRunSummary(TASK_A, 3, summary('r4', hoursAgo(2), 'succeeded', 100));
  await insight.putRunSummary(TASK_NEVER_RUN, 0, summary('s1', hoursAgo(2), 'failed', 999));
});

const ask = async (text: string, channel = HERE) => {
  const answer = await call(handler, slackEvent(slackForm(text, channel)));
  expect(answer.status).toBe(200);
  const json = answer.json as { response_type: string; text: string; blocks?: unknown[] };
  expect(json.response_type).toBe('ephemeral');
  return { text: json.text, blocks: JSON.stringify(json.blocks ?? []) };
};

describe('/codearts report', () => {
  it("sums up this channel's tasks over the last 7 days, against the 7 before", async () => {
    const { text, blocks } = await ask('report');
    expect(text).toBe('gateway-prod: 3 deployments, 67% succeeded, typically 1m 20s');
    expect(blocks).toContain('*Deployments*\\n3 (▲ 2 on the 7 days before)');
    expect(blocks).toContain('*Success rate*\\n67% (2 of 3)');
    expect(blocks).toContain('*Duration*\\n1m 20s typically, 1m 40s at most');
    expect(blocks).toContain('*Slowest step*\\nInstall Package — 1m 30s');
    expect(blocks).toContain('*Time to recover*\\n2h 00m 00s (1 recovery)');
    expect(text + blocks).not.toContain('secret-project');
  });

  it('for one task watched here; a task watched only elsewhere is not watched here', async () => {
    expect((await ask(`report ${TASK_A}`)).text).toContain('gateway-prod: 3 deployments');
    const other = await ask(`report ${TASK_NEVER_RUN}`);
    const unknown = await ask('report 0123456789abcdef0123456789abcdef');
    expect(other.text).toBe(unknown.text.replaceAll('0123456789abcdef0123456789abcdef', TASK_NEVER_RUN));
    expect(other.text + other.blocks).not.toContain('secret-project');
    expect(other.text).toContain('is not watched in this channel');
  });

  it('a channel that watches nothing is told so; a bad argument gets the usage', async () => {
    expect((await ask('report', 'C0EMPTY0001')).text).toContain('Nothing is watched in this channel yet');
    expect((await ask('report not-an-id')).text).toContain('is not a CodeArts task ID');
    expect((await ask(`report ${TASK_A} extra`)).text).toContain('`report` takes at most a task ID.');
  });
});
