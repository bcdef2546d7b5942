// CodeArtsClient's acting calls against the simulator over HTTP: startTask (with params, as a rollback),
// stopRun and getExecutionParams, what CodeArts was asked (the simulator's ground truth), and each refusal.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type {
  CodeArtsAuth,
  CodeArtsClient,
  CodeArtsClientOptions,
} from '../../../functions/adapters/codearts/index.js';
import { paramsForRerun, type StartParam } from '../../../functions/core/deploy-actions.js';
import { CodeArtsError } from '../../../functions/ports.js';
import { CodeArtsSimulator, ManualClock } from '../../../local/codearts-simulator/index.js';
import { simulatorClient } from '../../support/sim-codearts.js';

const clock = new ManualClock();
let sim: CodeArtsSimulator;
let c: CodeArtsClient;

const AK = 'AKACTIONSTEST000001';
const SK = 'actions-secret-key-0123456789';

const client = (auth: CodeArtsAuth, extra: Partial<CodeArtsClientOptions> = {}): CodeArtsClient =>
  simulatorClient(sim, { auth, now: () => clock.now(), ...extra });

beforeAll(async () => {
  sim = await CodeArtsSimulator.start({ clock });
  sim.addAccessKey(AK, SK);
  c = client({ type: 'token', token: sim.issueToken() });
});
afterEach(() => {
  sim.clearFaults();
  sim.rateLimitPerMinute = null;
  // Every run started by a test ends before the next test.
  clock.advance(10 * 60_000);
});
afterAll(() => sim.stop());

/** Requests made from now on, as "METHOD path status". */
const track = () => {
  const from = sim.requests.length;
  return () =>
    sim.requests.slice(from).map((r) => `${r.method} ${r.path.replace(/[0-9a-f]{32}/g, '{id}')} ${r.status}`);
};

const failure = async (promise: Promise<unknown>): Promise<CodeArtsError> => {
  const error = await promise.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CodeArtsError);
  return error as CodeArtsError;
};

const truth = (taskId: string, recordId: string) => sim.runs(taskId).find((r) => r.recordId === recordId);

const VERSION: StartParam = { name: 'version', value: '1.0.3', type: 'text' };

describe('CodeArtsClient.startTask', () => {
  it('starts a run with params and resolves with its record ID', async () => {
    const { taskId } = sim.createTask({ params: [{ name: 'region', type: 'text', value: 'eu' }] });
    const calls = track();
    const { recordId } = await c.startTask(taskId, { params: [VERSION] });
    expect(calls()).toEqual(['POST /v2/tasks/{id}/start 200']);
    expect(truth(taskId, recordId)).toMatchObject({
      type: 'deploy',
      trigger: { kind: 'api', rollbackOf: null },
      status: 'pending',
      params: [
        { name: 'region', type: 'text', value: 'eu' },
        { name: 'version', type: 'text', value: '1.0.3' },
      ],
    });
    clock.advance(60_000);
    const plain = await c.startTask(taskId);
    expect(truth(taskId, plain.recordId)?.params).toEqual([{ name: 'region', type: 'text', value: 'eu' }]);
  });

  it('rolls back to an earlier record with recordId', async () => {
    const { taskId } = sim.createTask();
    const good = sim.startRun(
      taskId,
      { pendingMs: 0 },
      { params: [{ name: 'version', type: 'text', value: '1.0' }] },
    );
    clock.advance(60_000);
    sim.startRun(
      taskId,
      { pendingMs: 0, outcome: 'failed' },
      { params: [{ name: 'version', type: 'text', value: '2.0' }] },
    );
    clock.advance(60_000);
    const { recordId } = await c.startTask(taskId, { recordId: good.recordId });
    expect(truth(taskId, recordId)).toMatchObject({
      type: 'rollback',
      trigger: { kind: 'api', rollbackOf: good.recordId },
      releaseId: 3,
      params: [{ name: 'version', type: 'text', value: '1.0' }],
    });
  });

  it('re-runs a record with its params, leaving secrets to CodeArts', async () => {
    const { taskId } = sim.createTask({
      params: [{ name: 'password', type: 'encrypt', value: 'task-secret' }],
    });
    const first = sim.startRun(
      taskId,
      { pendingMs: 0 },
      { params: [{ name: 'version', type: 'text', value: '3.1' }] },
    );
    clock.advance(60_000);
    const shown = await c.getExecutionParams(taskId, first.recordId);
    expect(shown).toEqual([
      { name: 'password', type: 'encrypt', value: '******' },
      { name: 'version', type: 'text', value: '3.1' },
    ]);
    const { recordId } = await c.startTask(taskId, { params: paramsForRerun(shown) });
    expect(truth(taskId, recordId)?.params).toEqual([
      { name: 'password', type: 'encrypt', value: 'task-secret' },
      { name: 'version', type: 'text', value: '3.1' },
    ]);
  });

  it('signs the POST body with AK/SK', async () => {
    const { taskId } = sim.createTask();
    const { recordId } = await client({ type: 'aksk', accessKey: AK, secretKey: SK }).startTask(taskId, {
      params: [VERSION],
    });
    expect(sim.requests.at(-1)).toMatchObject({ auth: 'aksk', status: 200 });
    expect(truth(taskId, recordId)?.params).toEqual([{ name: 'version', type: 'text', value: '1.0.3' }]);
  });

  it("maps 'already deploying' (400 Deploy.00011027) and 'no permission' (403 Deploy.00011154) to 'bad-request' with their codes, starting nothing", async () => {
    const { taskId } = sim.createTask();
    await c.startTask(taskId);
    expect(await failure(c.startTask(taskId))).toMatchObject({
      kind: 'bad-request',
      status: 400,
      code: 'Deploy.00011027',
      transient: false,
    });
    clock.advance(60_000);
    sim.setPermission(taskId, { canExecute: false });
    const denied = await failure(c.startTask(taskId));
    expect(denied).toMatchObject({ kind: 'bad-request', status: 403, code: 'Deploy.00011154' });
    expect(sim.runs(taskId)).toHaveLength(1);
  });

  it("maps an unknown task to 'task-gone', an unknown rollback record to 'record-gone', throttling to 'throttled'", async () => {
    expect(await failure(c.startTask('0'.repeat(32)))).toMatchObject({
      kind: 'task-gone',
      code: 'Deploy.00011020',
    });
    const { taskId } = sim.createTask();
    expect(await failure(c.startTask(taskId, { recordId: 'a'.repeat(32) }))).toMatchObject({
      kind: 'record-gone',
      status: 400,
      code: 'Deploy.00011303',
    });
    sim.inject({ kind: 'throttle', taskId });
    expect(await failure(c.startTask(taskId))).toMatchObject({ kind: 'throttled', retryAfterMs: 3000 });
    expect(sim.runs(taskId)).toHaveLength(0);
  });

  it('refuses bad IDs and params without sending anything', async () => {
    const { taskId } = sim.createTask();
    const calls = track();
    const bad: Array<Promise<unknown>> = [
      c.startTask('../admin'),
      c.startTask(taskId, { recordId: 'short' }),
      c.startTask(taskId, { recordId: 'a'.repeat(32), params: [VERSION] }),
      c.startTask(taskId, { params: [{ name: 'bad name', value: 'x' }] }),
      c.startTask(taskId, { params: [{ name: 'v', value: '{{ x }}' }] }),
      c.startTask(taskId, { params: [{ name: 'v', value: 'x'.repeat(8193) }] }),
      c.startTask(taskId, { params: [{ name: 'v', value: 'x', type: 'file' }] }),
      c.startTask(taskId, { params: [VERSION, VERSION] }),
      c.startTask(taskId, { params: 'version=1' as never }),
    ];
    for (const call of bad) expect((await failure(call)).kind).toBe('bad-request');
    expect(calls()).toEqual([]);
  });

  it("maps a start nobody answers to 'timeout' (whether the run started is then unknown)", async () => {
    const { taskId } = sim.createTask();
    sim.inject({ kind: 'hang', taskId });
    const error = await failure(
      client({ type: 'token', token: sim.issueToken() }, { timeoutMs: 100 }).startTask(taskId),
    );
    expect(error.kind).toBe('timeout');
  });

  it("maps a start answer without a valid record ID, or about another task, to 'bad-response', and honours a code in a 200", async () => {
    const { taskId } = sim.createTask();
    sim.inject({ kind: 'wrong-shape', taskId, body: { id: 'nope', task_id: taskId } });
    expect((await failure(c.startTask(taskId))).message).toContain(
      'id: the start answer has no valid record ID',
    );
    sim.inject({ kind: 'wrong-shape', taskId, body: { id: 'b'.repeat(32), task_id: 'c'.repeat(32) } });
    expect((await failure(c.startTask(taskId))).kind).toBe('bad-response');
    sim.inject({ kind: 'wrong-shape', taskId, body: { error_code: 'Deploy.00011303', error_msg: 'gone' } });
    expect(await failure(c.startTask(taskId, { recordId: 'a'.repeat(32) }))).toMatchObject({
      kind: 'record-gone',
      code: 'Deploy.00011303',
    });
  });
});

describe('CodeArtsClient.stopRun', () => {
  it('stops a running run (abort) and a queued one (not_started)', async () => {
    const { taskId } = sim.createTask();
    const running = sim.startRun(taskId, { pendingMs: 0 }).recordId;
    clock.advance(5000);
    const calls = track();
    await c.stopRun(taskId, running);
    expect(calls()).toEqual(['PUT /v2/tasks/{id}/records/{id}/stop 200']);
    expect(truth(taskId, running)).toMatchObject({ outcome: 'abort', finished: true });
    const queued = (await c.startTask(taskId)).recordId;
    await client({ type: 'aksk', accessKey: AK, secretKey: SK }).stopRun(taskId, queued);
    expect(truth(taskId, queued)).toMatchObject({ outcome: 'not_started', finished: true });
  });

  it('resolves for a run that had already ended, which keeps its outcome', async () => {
    const { taskId } = sim.createTask();
    const { recordId } = sim.startRun(taskId, { pendingMs: 0, outcome: 'failed' });
    clock.advance(60_000);
    await expect(c.stopRun(taskId, recordId)).resolves.toBeUndefined();
    expect(truth(taskId, recordId)?.outcome).toBe('failed');
  });

  it("maps an unknown record to 'record-gone', an unknown task to 'task-gone', no permission to 'bad-request'", async () => {
    const { taskId } = sim.createTask();
    expect(await failure(c.stopRun(taskId, 'd'.repeat(32)))).toMatchObject({
      kind: 'record-gone',
      status: 404,
    });
    expect((await failure(c.stopRun('0'.repeat(32), 'd'.repeat(32)))).kind).toBe('task-gone');
    const { recordId } = sim.startRun(taskId, { pendingMs: 0 });
    sim.setPermission(taskId, { canExecute: false });
    expect(await failure(c.stopRun(taskId, recordId))).toMatchObject({
      kind: 'bad-request',
      status: 403,
      code: 'Deploy.00011154',
    });
    expect(truth(taskId, recordId)?.status).toBe('running');
  });

  it("refuses bad IDs locally, and maps an answer that is not success or names another record to 'bad-response'", async () => {
    const { taskId } = sim.createTask();
    const { recordId } = sim.startRun(taskId, { pendingMs: 0 });
    const calls = track();
    expect((await failure(c.stopRun(taskId, 'x'))).kind).toBe('bad-request');
    expect((await failure(c.stopRun('x', recordId))).kind).toBe('bad-request');
    expect(calls()).toEqual([]);
    sim.inject({ kind: 'wrong-shape', taskId, body: { status: 'failed' } });
    expect((await failure(c.stopRun(taskId, recordId))).kind).toBe('bad-response');
    sim.inject({ kind: 'wrong-shape', taskId, body: { status: 'success', result: { id: 'e'.repeat(32) } } });
    expect((await failure(c.stopRun(taskId, recordId))).message).toContain('another record');
    sim.inject({ kind: 'server-error', status: 503, taskId });
    expect((await failure(c.stopRun(taskId, recordId))).kind).toBe('server');
  });
});

describe('CodeArtsClient.getExecutionParams', () => {
  it('resolves with the params of a record', async () => {
    const { taskId } = sim.createTask();
    const { recordId } = await c.startTask(taskId, {
      params: [VERSION, { name: 'hosts', value: 'web-1,web-2', type: 'host_group' }],
    });
    const calls = track();
    expect(await c.getExecutionParams(taskId, recordId)).toEqual([
      { name: 'version', type: 'text', value: '1.0.3' },
      { name: 'hosts', type: 'host_group', value: 'web-1,web-2' },
    ]);
    expect(calls()).toEqual(['GET /v2/history/tasks/{id}/params 200']);
    expect(sim.requests.at(-1)?.query).toEqual({ record_id: recordId });
  });

  it("maps an unknown record (400 Deploy.00011303) to 'record-gone' and an unknown task to 'task-gone'", async () => {
    const { taskId } = sim.createTask();
    expect(await failure(c.getExecutionParams(taskId, 'f'.repeat(32)))).toMatchObject({
      kind: 'record-gone',
      status: 400,
      code: 'Deploy.00011303',
    });
    expect((await failure(c.getExecutionParams('0'.repeat(32), 'f'.repeat(32)))).kind).toBe('task-gone');
  });

  it("maps a body that is not a list of named params to 'bad-response'", async () => {
    const { taskId } = sim.createTask();
    const { recordId } = sim.startRun(taskId);
    sim.inject({ kind: 'wrong-shape', taskId, body: { status: 'success', result: [] } });
    expect((await failure(c.getExecutionParams(taskId, recordId))).kind).toBe('bad-response');
    sim.inject({ kind: 'wrong-shape', taskId, body: [{ type: 'text', value: '1' }] });
    expect((await failure(c.getExecutionParams(taskId, recordId))).message).toContain('[0].name');
    sim.inject({ kind: 'malformed-json', taskId });
    expect((await failure(c.getExecutionParams(taskId, recordId))).kind).toBe('bad-response');
  });
});
