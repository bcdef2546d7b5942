// The simulator's acting APIs over HTTP: StartDeployTask with params and as a
// rollback, StopDeployTask, ShowExecutionParams, their errors, and the controls that shape a run.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CodeArtsSimulator, ManualClock } from '../../../local/codearts-simulator/index.js';
import { call, get } from './http.js';

const clock = new ManualClock();
let sim: CodeArtsSimulator;
let token: string;

beforeAll(async () => {
  sim = await CodeArtsSimulator.start({ clock });
  token = sim.issueToken();
});
afterEach(() => {
  sim.clearFaults();
  sim.rateLimitPerMinute = null;
});
afterAll(() => sim.stop());

const start = (taskId: string, body?: unknown) =>
  call(sim, 'POST', `/v2/tasks/${taskId}/start`, { token, ...(body === undefined ? {} : { body }) });
const stop = (taskId: string, recordId: string) =>
  call(sim, 'PUT', `/v2/tasks/${taskId}/records/${recordId}/stop`, { token });
const params = (taskId: string, recordId?: string) =>
  call(
    sim,
    'GET',
    `/v2/history/tasks/${taskId}/params${recordId === undefined ? '' : `?record_id=${recordId}`}`,
    {
      token,
    },
  );
const status = async (taskId: string) =>
  get(
    (await call(sim, 'GET', `/v2/tasks/${taskId}/state?step_state=false`, { token })).json,
    'result',
    'status',
  );

const VERSION = { key: 'version', value: '1.0.3', type: 'text' };

/** Starts over HTTP and lets the run finish (2 steps of 10 s after 2 s queued). */
const startAndFinish = async (taskId: string, body?: unknown): Promise<string> => {
  const answer = await start(taskId, body);
  expect(answer.status).toBe(200);
  clock.advance(30_000);
  return String(get(answer.json, 'id'));
};

describe('simulator StartDeployTask', () => {
  it('records the params and the trigger of a run it starts; ShowExecutionParams reports them', async () => {
    const { taskId } = sim.createTask({
      steps: 2,
      params: [
        { name: 'version', type: 'text', value: '0.9.0' },
        { name: 'region', type: 'text', value: 'eu' },
      ],
    });
    const recordId = await startAndFinish(taskId, {
      params: [VERSION, { key: 'canary', value: 'yes', type: 'enum' }],
      trigger_source: '0',
    });
    const truth = sim.runs(taskId).find((r) => r.recordId === recordId);
    expect(truth).toMatchObject({
      type: 'deploy',
      trigger: { kind: 'api', rollbackOf: null, triggerSource: '0' },
      outcome: 'succeeded',
    });
    const expected = [
      { name: 'version', type: 'text', value: '1.0.3' },
      { name: 'region', type: 'text', value: 'eu' },
      { name: 'canary', type: 'enum', value: 'yes' },
    ];
    expect(truth?.params).toEqual(expected);
    const shown = await params(taskId, recordId);
    expect(shown.status).toBe(200);
    expect(shown.json).toEqual(expected);
  });

  it('starts with an empty body, and masks encrypt values in ShowExecutionParams', async () => {
    const { taskId } = sim.createTask({ params: [{ name: 'password', type: 'encrypt', value: 's3cret' }] });
    const recordId = await startAndFinish(taskId);
    expect(await params(taskId, recordId).then((a) => a.json)).toEqual([
      { name: 'password', type: 'encrypt', value: '******' },
    ]);
    expect(sim.runs(taskId)[0]?.params).toEqual([{ name: 'password', type: 'encrypt', value: 's3cret' }]);
  });

  it('rolls back with record_id: a rollback run with that record’s params, shown as such in the history', async () => {
    const { taskId } = sim.createTask({ steps: 2 });
    const good = await startAndFinish(taskId, { params: [{ ...VERSION, value: '1.0.0' }] });
    await startAndFinish(taskId, { params: [{ ...VERSION, value: '1.1.0' }] });
    const rollback = await startAndFinish(taskId, { record_id: good });
    const truth = sim.runs(taskId).at(-1);
    expect(truth).toMatchObject({
      recordId: rollback,
      type: 'rollback',
      trigger: { kind: 'api', rollbackOf: good, triggerSource: null },
      releaseId: 3,
      params: [{ name: 'version', type: 'text', value: '1.0.0' }],
    });
    const day = new Date(clock.now() + 8 * 3_600_000).toISOString().slice(0, 10);
    const history = await call(
      sim,
      'GET',
      `/v2/${sim.projectId}/task/${taskId}/history?page=1&size=10&start_date=${day}&end_date=${day}`,
      { token },
    );
    expect(get(history.json, 'result', 0)).toMatchObject({ execution_id: rollback, type: 'rollback' });
  });

  it('refuses bad bodies with 400 and starts nothing', async () => {
    const { taskId } = sim.createTask();
    const first = await startAndFinish(taskId);
    const bad: unknown[] = [
      '[1]',
      '{"params":',
      { params: 'version=1' },
      { params: [{ key: 'bad key', value: 'x', type: 'text' }] },
      { params: [{ key: 'v', value: '{{ evil }}', type: 'text' }] },
      { params: [{ key: 'v', value: 'x'.repeat(8193), type: 'text' }] },
      { params: [{ key: 'v', value: 'x', type: 'file' }] },
      { params: [{ key: 'v', value: 3, type: 'text' }] },
      { record_id: 42 },
      { record_id: first, params: [VERSION] },
      { trigger_source: 1 },
    ];
    for (const body of bad) {
      const answer = await start(taskId, body);
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(String(get(answer.json, 'error', 'message'))).toMatch(/^Param invalid/);
    }
    const unknownRecord = await start(taskId, { record_id: 'a'.repeat(32) });
    expect(unknownRecord.status).toBe(400);
    expect(unknownRecord.json).toMatchObject({ error_code: 'Deploy.00011303' });
    expect(sim.runs(taskId)).toHaveLength(1);
  });

  it('refuses a task that is already deploying with 400 Deploy.00011027, and an unknown task with 404 Deploy.00011020', async () => {
    const { taskId } = sim.createTask();
    expect((await start(taskId)).status).toBe(200);
    const again = await start(taskId, { params: [VERSION] });
    expect(again.status).toBe(400);
    expect(again.json).toMatchObject({ error_code: 'Deploy.00011027', status: 'error' });
    expect(sim.runs(taskId)).toHaveLength(1);
    const unknown = await start('0'.repeat(32));
    expect(unknown.status).toBe(404);
    expect(unknown.json).toMatchObject({ error_code: 'Deploy.00011020' });
    clock.advance(60_000);
  });

  it('throttles starts like every Deploy call', async () => {
    const { taskId } = sim.createTask();
    const own = sim.issueToken();
    sim.rateLimitPerMinute = 1;
    await call(sim, 'GET', `/v2/tasks/${taskId}`, { token: own });
    const throttled = await call(sim, 'POST', `/v2/tasks/${taskId}/start`, { token: own });
    expect(throttled.status).toBe(429);
    expect(throttled.json).toMatchObject({ error_code: 'APIG.0308' });
    expect(sim.runs(taskId)).toHaveLength(0);
  });
});

describe('simulator permissions', () => {
  it('answers start and stop on a task without execute permission with 403 Deploy.00011154, changing nothing', async () => {
    const { taskId, appId } = sim.createTask({ name: 'locked' });
    const { recordId } = sim.startRun(taskId, { pendingMs: 0 });
    sim.setPermission(taskId, { canExecute: false });
    const stopped = await stop(taskId, recordId);
    expect(stopped.status).toBe(403);
    expect(stopped.json).toMatchObject({ error_code: 'Deploy.00011154', status: 'error' });
    clock.advance(60_000);
    const started = await start(taskId);
    expect(started.status).toBe(403);
    expect(sim.runs(taskId).map((r) => r.outcome)).toEqual(['succeeded']);
    const detail = await call(sim, 'GET', `/v1/applications/${appId}/info`, { token });
    expect(get(detail.json, 'result', 'can_execute')).toBe(false);

    sim.setPermission(taskId, { canExecute: true });
    expect((await start(taskId)).status).toBe(200);
    expect(() => sim.setPermission(taskId, {} as never)).toThrow(/canExecute/);
    clock.advance(60_000);
  });
});

describe('simulator StopDeployTask', () => {
  it('aborts a running run, cancels a queued one, and leaves a finished one as it ended', async () => {
    const { taskId } = sim.createTask({ steps: 2 });
    const running = String(get((await start(taskId)).json, 'id'));
    clock.advance(5000);
    const answer = await stop(taskId, running);
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({ status: 'success', result: { id: running, task_id: taskId } });
    expect(await status(taskId)).toBe('abort');

    const queued = String(get((await start(taskId)).json, 'id'));
    expect((await stop(taskId, queued)).status).toBe(200);
    expect(await status(taskId)).toBe('not_started');

    const finished = await startAndFinish(taskId);
    const late = await stop(taskId, finished);
    expect(late.status).toBe(200);
    expect(late.json).toEqual({ status: 'success', result: { id: finished, task_id: taskId } });
    expect(await status(taskId)).toBe('succeeded');
    expect(sim.runs(taskId).map((r) => r.outcome)).toEqual(['abort', 'not_started', 'succeeded']);
  });

  it('answers an unknown record with 404 Deploy.00011303 and an unknown task with 404 Deploy.00011020', async () => {
    const { taskId } = sim.createTask();
    const other = sim.createTask().taskId;
    const foreign = sim.startRun(other, { pendingMs: 0 }).recordId;
    const unknownRecord = await stop(taskId, foreign);
    expect(unknownRecord.status).toBe(404);
    expect(unknownRecord.json).toMatchObject({ error_code: 'Deploy.00011303' });
    expect(sim.runs(other)[0]?.finished).toBe(false);
    expect((await stop('0'.repeat(32), foreign)).json).toMatchObject({ error_code: 'Deploy.00011020' });
    clock.advance(60_000);
  });
});

describe('simulator ShowExecutionParams', () => {
  it('answers an unknown record with 400 Deploy.00011303, a missing record_id with 400 APIG.0106, an unknown task with 404', async () => {
    const { taskId } = sim.createTask();
    const unknown = await params(taskId, 'b'.repeat(32));
    expect(unknown.status).toBe(400);
    expect(unknown.json).toMatchObject({ error_code: 'Deploy.00011303' });
    const missing = await params(taskId);
    expect(missing.status).toBe(400);
    expect(missing.json).toMatchObject({ error_code: 'APIG.0106' });
    expect((await params('0'.repeat(32), 'b'.repeat(32))).json).toMatchObject({
      error_code: 'Deploy.00011020',
    });
  });
});

describe('simulator run controls', () => {
  it('makes the next API-started run slow on purpose: one step that runs far longer, then back to normal', async () => {
    const { taskId } = sim.createTask({ steps: 3 });
    const set = await call(sim, 'PUT', `/_sim/tasks/${taskId}/next-run`, {
      body: { pendingMs: 0, slowStep: { step: 1, durationMs: 3_600_000 } },
    });
    expect(set.status).toBe(204);
    const slow = String(get((await start(taskId)).json, 'id'));
    clock.advance(30 * 60_000);
    const truth = sim.runs(taskId).find((r) => r.recordId === slow);
    expect(truth?.status).toBe('running');
    expect(truth?.steps.map((s) => s.outcome)).toEqual(['done', 'running', 'waiting']);
    clock.advance(31 * 60_000 + 10_000);
    expect(await status(taskId)).toBe('succeeded');

    await startAndFinish(taskId);
    expect(sim.runs(taskId).map((r) => r.endsAt - r.createdAt)).toEqual([3_620_000, 32_000]);

    const bad = await call(sim, 'PUT', `/_sim/tasks/${taskId}/next-run`, {
      body: { slowStep: { step: 7, durationMs: 1000 } },
    });
    expect(bad.status).toBe(400);
    expect(String(get(bad.json, 'error', 'message'))).toContain('slowStep');
  });

  it('creates projects, bulk applications and permissions over the control API', async () => {
    const created = await call(sim, 'POST', '/_sim/projects', { body: { name: 'ops', applications: 3 } });
    expect(created.status).toBe(201);
    const projectId = String(get(created.json, 'projectId'));
    expect(get(created.json, 'tasks')).toHaveLength(3);
    const more = await call(sim, 'POST', `/_sim/projects/${projectId}/tasks`, {
      body: { count: 2, name: 'web' },
    });
    expect((get(more.json, 'tasks') as unknown[]).length).toBe(2);
    const listed = await call(sim, 'POST', '/v1/applications/list', {
      token,
      body: { project_id: projectId, page: 1, size: 100, sort_name: 'name', sort_by: 'ASC' },
    });
    expect((get(listed.json, 'result') as Array<{ name: string }>).map((a) => a.name)).toEqual([
      'app-1',
      'app-2',
      'app-3',
      'web-1',
      'web-2',
    ]);
    const taskId = String(get(more.json, 'tasks', 0, 'taskId'));
    expect(
      (await call(sim, 'PUT', `/_sim/tasks/${taskId}/permissions`, { body: { canExecute: false } })).status,
    ).toBe(204);
    expect((await start(taskId)).status).toBe(403);
    expect(
      (await call(sim, 'POST', `/_sim/projects/${projectId}/tasks`, { body: { count: 0 } })).status,
    ).toBe(400);
    expect((await call(sim, 'POST', '/_sim/tasks', { body: { projectId: 'c'.repeat(32) } })).status).toBe(
      400,
    );
    expect((await call(sim, 'POST', '/_sim/faults', { body: { kind: 'nope' } })).status).toBe(400);
  });
});
