// The simulator's ListAllApp (`POST /v1/applications/list`) over HTTP: validation,
// projects, paging, filters, ordering, what follows the latest run, and the feed's faults.
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
afterEach(() => sim.clearFaults());
afterAll(() => sim.stop());

type App = Record<string, unknown>;

const list = (body: unknown) => call(sim, 'POST', '/v1/applications/list', { token, body });

const page = async (body: Record<string, unknown>): Promise<{ total: number; apps: App[] }> => {
  const answer = await list(body);
  expect(answer.status).toBe(200);
  return { total: Number(get(answer.json, 'total_num')), apps: get(answer.json, 'result') as App[] };
};

const names = (apps: App[]) => apps.map((a) => a.name);

/** A fresh project holding applications with the given names. */
const project = (appNames: string[]) => {
  const { projectId } = sim.createProject();
  const tasks = appNames.map((name) => sim.createTask({ name, projectId, steps: 1 }));
  return { projectId, tasks };
};

/** Runs a task to the end (steps of 10 s, no queueing). */
const runToEnd = (taskId: string, outcome: 'succeeded' | 'failed' = 'succeeded') => {
  const { recordId } = sim.startRun(taskId, { pendingMs: 0, outcome });
  clock.advance(11_000);
  return recordId;
};

describe('simulator ListAllApp: the request', () => {
  it('refuses a body without project_id, page >= 1 or size 1-100 with a CodeArts parameter error', async () => {
    const { projectId } = project(['a']);
    const bad: unknown[] = [
      { page: 1, size: 10 },
      { project_id: '', page: 1, size: 10 },
      { project_id: projectId, size: 10 },
      { project_id: projectId, page: 0, size: 10 },
      { project_id: projectId, page: 1.5, size: 10 },
      { project_id: projectId, page: 1, size: 0 },
      { project_id: projectId, page: 1, size: 101 },
      { project_id: projectId, page: '1', size: 10 },
      { project_id: projectId, page: 1, size: 10, sort_name: 'created' },
      { project_id: projectId, page: 1, size: 10, sort_by: 'asc' },
      { project_id: projectId, page: 1, size: 10, states: ['running', 'finished'] },
      { project_id: projectId, page: 1, size: 10, states: 'running' },
      { project_id: projectId, page: 1, size: 10, group_id: 'g1' },
      [{ project_id: projectId, page: 1, size: 10 }],
      '{"project_id":',
    ];
    for (const body of bad) {
      const answer = await list(body);
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(answer.json).toMatchObject({ error: { code: 'DEV.CH.10001' }, status: 'failed' });
      expect(String(get(answer.json, 'error', 'message'))).toMatch(/^Param invalid/);
    }
  });

  it('answers an unknown project (an IAM project ID, say) with 404 Deploy.00016902', async () => {
    const answer = await list({ project_id: 'f'.repeat(32), page: 1, size: 10 });
    expect(answer.status).toBe(404);
    expect(answer.json).toMatchObject({ error_code: 'Deploy.00016902', status: 'error' });
  });

  it('needs credentials like every Deploy call', async () => {
    const { projectId } = project(['a']);
    const answer = await call(sim, 'POST', '/v1/applications/list', {
      body: { project_id: projectId, page: 1, size: 10 },
    });
    expect(answer.status).toBe(401);
    expect(get(answer.json, 'error_code')).toBe('APIG.0301');
  });
});

describe('simulator ListAllApp: the listing', () => {
  it('lists only the project asked about, each application with its task in arrange_infos', async () => {
    const one = project(['one-a', 'one-b']);
    const other = project(['other-a']);
    const listed = await page({ project_id: one.projectId, page: 1, size: 100 });
    expect(listed.total).toBe(2);
    expect(listed.apps.map((a) => a.id).sort()).toEqual(one.tasks.map((t) => t.appId).sort());
    for (const app of listed.apps) {
      const task = one.tasks.find((t) => t.appId === app.id);
      expect(app).toMatchObject({ project_id: one.projectId, arrange_infos: [{ id: task?.taskId }] });
    }
    expect(names((await page({ project_id: other.projectId, page: 1, size: 100 })).apps)).toEqual([
      'other-a',
    ]);
  });

  it('pages with total_num: every application exactly once across the pages', async () => {
    const { projectId, tasks } = project(['p1', 'p2', 'p3', 'p4', 'p5']);
    const pages = await Promise.all(
      [1, 2, 3, 4].map((n) => page({ project_id: projectId, page: n, size: 2 })),
    );
    expect(pages.map((p) => p.total)).toEqual([5, 5, 5, 5]);
    expect(pages.map((p) => p.apps.length)).toEqual([2, 2, 1, 0]);
    const seen = pages.flatMap((p) => p.apps.map((a) => a.id));
    expect(new Set(seen).size).toBe(5);
    expect(seen.sort()).toEqual(tasks.map((t) => t.appId).sort());
  });

  it('follows the latest run: execution_state, a release_id that grows per execution, times and duration', async () => {
    const { projectId, tasks } = project(['svc']);
    const taskId = tasks[0]?.taskId ?? '';
    const app = async () => (await page({ project_id: projectId, page: 1, size: 1 })).apps[0];
    expect(await app()).toMatchObject({
      execution_state: 'not_executed',
      release_id: 0,
      execution_time: '',
      end_time: '',
      duration: '',
    });

    sim.startRun(taskId, { pendingMs: 2000 });
    const queued = await app();
    expect(queued).toMatchObject({ execution_state: 'pending', release_id: 1, end_time: '' });
    expect(String(queued?.execution_time)).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    clock.advance(5000);
    expect(await app()).toMatchObject({ execution_state: 'running', release_id: 1, duration: '00:00:05' });
    clock.advance(10_000);
    const done = await app();
    expect(done).toMatchObject({ execution_state: 'succeeded', release_id: 1, duration: '00:00:12' });
    expect(String(done?.end_time)).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);

    runToEnd(taskId, 'failed');
    const second = await app();
    expect(second).toMatchObject({ execution_state: 'failed', release_id: 2 });
    expect(String(second?.execution_time) > String(done?.execution_time)).toBe(true);
  });

  it('filters by states, not_executed included', async () => {
    const { projectId, tasks } = project(['never', 'ok', 'broken', 'busy']);
    const [, ok, broken, busy] = tasks.map((t) => t.taskId);
    runToEnd(ok ?? '');
    runToEnd(broken ?? '', 'failed');
    sim.startRun(busy ?? '', { pendingMs: 0 });
    const filtered = async (states: string[]) =>
      names((await page({ project_id: projectId, page: 1, size: 100, states, sort_name: 'name' })).apps);
    expect(await filtered(['running', 'failed'])).toEqual(['busy', 'broken']);
    expect(await filtered(['not_executed'])).toEqual(['never']);
    expect(await filtered(['succeeded'])).toEqual(['ok']);
    expect(await filtered([])).toHaveLength(4);
    const counted = await page({ project_id: projectId, page: 1, size: 1, states: ['failed', 'succeeded'] });
    expect(counted.total).toBe(2);
  });

  it('sorts by name or by start time, either way, never-run applications oldest', async () => {
    const { projectId, tasks } = project(['bravo', 'alpha', 'charlie', 'delta']);
    const [bravo, alpha, charlie] = tasks.map((t) => t.taskId);
    runToEnd(charlie ?? '');
    runToEnd(alpha ?? '');
    runToEnd(bravo ?? '');
    const sorted = async (extra: Record<string, unknown>) =>
      names((await page({ project_id: projectId, page: 1, size: 100, ...extra })).apps);
    expect(await sorted({ sort_name: 'name', sort_by: 'ASC' })).toEqual([
      'alpha',
      'bravo',
      'charlie',
      'delta',
    ]);
    expect(await sorted({ sort_name: 'name', sort_by: 'DESC' })).toEqual([
      'delta',
      'charlie',
      'bravo',
      'alpha',
    ]);
    expect(await sorted({ sort_name: 'startTime', sort_by: 'DESC' })).toEqual([
      'bravo',
      'alpha',
      'charlie',
      'delta',
    ]);
    expect(await sorted({ sort_name: 'startTime', sort_by: 'ASC' })).toEqual([
      'delta',
      'charlie',
      'alpha',
      'bravo',
    ]);
    expect(await sorted({ sort_name: 'startTime' })).toEqual(
      await sorted({ sort_name: 'startTime', sort_by: 'DESC' }),
    );
    // Without sort_name: newest application first.
    expect(await sorted({})).toEqual(['delta', 'charlie', 'alpha', 'bravo']);
  });

  it('treats every application as not grouped', async () => {
    const { projectId } = project(['x', 'y']);
    expect((await page({ project_id: projectId, page: 1, size: 10, group_id: 'no_grouped' })).total).toBe(2);
    expect((await page({ project_id: projectId, page: 1, size: 10, group_id: 'a'.repeat(32) })).total).toBe(
      0,
    );
  });

  it('serves a project of 1,000 applications created in one call, 100 a page', async () => {
    const { projectId } = sim.createProject({ name: 'big' });
    const created = sim.createTasks(1000, { projectId, steps: 1 });
    expect(new Set(created.map((t) => t.taskId)).size).toBe(1000);
    const pages = await Promise.all(
      Array.from({ length: 10 }, (_, i) => page({ project_id: projectId, page: i + 1, size: 100 })),
    );
    expect(pages.every((p) => p.total === 1000 && p.apps.length === 100)).toBe(true);
    const taskIds = new Set(pages.flatMap((p) => p.apps.map((a) => get(a, 'arrange_infos', 0, 'id'))));
    expect(taskIds).toEqual(new Set(created.map((t) => t.taskId)));
    expect(sim.projects().find((p) => p.projectId === projectId)).toMatchObject({
      name: 'big',
      applications: 1000,
    });
  });

  it('leaves deleted applications out', async () => {
    const { projectId, tasks } = project(['kept', 'dropped']);
    sim.deleteTask(tasks[1]?.taskId ?? '');
    const listed = await page({ project_id: projectId, page: 1, size: 10 });
    expect(listed.total).toBe(1);
    expect(names(listed.apps)).toEqual(['kept']);
  });
});

describe('simulator ListAllApp: faults', () => {
  it('refuses with 403 APIG.0302, or 404 APIG.0101 as when not served, only for the project named', async () => {
    const target = project(['t']);
    const bystander = project(['b']);
    sim.inject({ kind: 'refused', projectId: target.projectId, count: 'always' });
    const refused = await list({ project_id: target.projectId, page: 1, size: 10 });
    expect(refused.status).toBe(403);
    expect(refused.json).toMatchObject({ error_code: 'APIG.0302' });
    expect((await list({ project_id: bystander.projectId, page: 1, size: 10 })).status).toBe(200);
    // Scoped to the project, the fault also hits other calls about it (its task's /state, here).
    const state = await call(sim, 'GET', `/v2/tasks/${target.tasks[0]?.taskId}/state`, { token });
    expect(state.status).toBe(403);

    sim.clearFaults();
    sim.inject({ kind: 'refused', code: 'APIG.0101', path: '/v1/applications/list' });
    const notServed = await list({ project_id: bystander.projectId, page: 1, size: 10 });
    expect(notServed.status).toBe(404);
    expect(notServed.json).toMatchObject({ error_code: 'APIG.0101' });
    expect(String(get(notServed.json, 'error_msg'))).toContain('does not exist');
  });

  it('answers late (slow) and then normally', async () => {
    const { projectId } = project(['s']);
    sim.inject({ kind: 'slow', delayMs: 60_000, projectId });
    const late = call(sim, 'POST', '/v1/applications/list', {
      token,
      body: { project_id: projectId, page: 1, size: 10 },
      signal: AbortSignal.timeout(200),
    });
    await expect(late).rejects.toThrow();
    const held = sim.requests.filter((r) => r.fault === 'slow');
    expect(held.map((r) => r.status)).toEqual([null]);
    expect((await list({ project_id: projectId, page: 1, size: 10 })).status).toBe(200);
    expect(() => sim.inject({ kind: 'slow', delayMs: 0 })).toThrow(/delayMs/);
  });

  it('is stale by N seconds: the project as it was, before a run began and before a new application', async () => {
    const { projectId, tasks } = project(['lagging']);
    const taskId = tasks[0]?.taskId ?? '';
    runToEnd(taskId);
    clock.advance(300_000);
    sim.startRun(taskId, { pendingMs: 0, stepDurationsMs: [600_000] });
    clock.advance(30_000);
    const newcomer = sim.createTask({ name: 'newcomer', projectId });
    const body = { project_id: projectId, page: 1, size: 10, sort_name: 'name', sort_by: 'ASC' };

    sim.inject({ kind: 'stale', seconds: 120, projectId });
    const stale = await page(body);
    expect(stale.total).toBe(1);
    expect(stale.apps[0]).toMatchObject({ name: 'lagging', execution_state: 'succeeded', release_id: 1 });
    expect(sim.requests.at(-1)?.fault).toBe('stale');

    const fresh = await page(body);
    expect(fresh.apps.map((a) => [a.id, a.execution_state, a.release_id])).toEqual([
      [tasks[0]?.appId, 'running', 2],
      [newcomer.appId, 'not_executed', 0],
    ]);
    expect(() => sim.inject({ kind: 'stale', seconds: -1 })).toThrow(/seconds/);
  });

  it('omits an application from the page it is on, total_num unchanged, and only such a page uses the fault', async () => {
    const { projectId, tasks } = project(['a1', 'a2', 'a3', 'a4']);
    const hidden = tasks[3]?.appId ?? '';
    sim.inject({ kind: 'omit-app', appId: hidden });
    const body = { project_id: projectId, size: 2, sort_name: 'name', sort_by: 'ASC' };
    expect(names((await page({ ...body, page: 1 })).apps)).toEqual(['a1', 'a2']);
    expect(sim.faults()).toHaveLength(1);
    const omitted = await page({ ...body, page: 2 });
    expect(omitted.total).toBe(4);
    expect(names(omitted.apps)).toEqual(['a3']);
    expect(sim.faults()).toHaveLength(0);
    expect(names((await page({ ...body, page: 2 })).apps)).toEqual(['a3', 'a4']);
  });

  it('sends a malformed body for one project while the others answer', async () => {
    const broken = project(['m']);
    const fine = project(['f']);
    sim.inject({ kind: 'malformed-json', projectId: broken.projectId, count: 'always' });
    const garbled = await list({ project_id: broken.projectId, page: 1, size: 10 });
    expect(garbled.status).toBe(200);
    expect(garbled.json).toBeUndefined();
    expect((await list({ project_id: fine.projectId, page: 1, size: 10 })).json).toMatchObject({
      total_num: 1,
    });
  });

  it('refuses a fault it could not apply', () => {
    expect(() => sim.inject({ kind: 'omit-app' } as never)).toThrow(/appId/);
    expect(() => sim.inject({ kind: 'no-such-fault' } as never)).toThrow(/unknown fault kind/);
  });
});
