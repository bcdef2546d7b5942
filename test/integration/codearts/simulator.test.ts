import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { signRequest } from '../../../functions/adapters/codearts/signer.js';
import { CodeArtsSimulator, ManualClock } from '../../../local/codearts-simulator/index.js';
import { call, get } from './http.js';

const clock = new ManualClock();
let sim: CodeArtsSimulator;
let token: string;

beforeAll(async () => {
  sim = await CodeArtsSimulator.start({ clock });
  sim.addUser({ domain: 'acme', name: 'deployer', password: 'p@ss' });
  token = sim.issueToken();
});
afterEach(() => {
  sim.clearFaults();
  sim.rateLimitPerMinute = null;
  sim.latencyMs = 0;
});
afterAll(() => sim.stop());

const state = (taskId: string, query = '') =>
  call(sim, 'GET', `/v2/tasks/${taskId}/state${query}`, { token });

describe('simulator: IAM', () => {
  const tokenRequest = (password: string, scope: unknown = { project: { name: 'cn-north-4' } }) => ({
    auth: {
      identity: {
        methods: ['password'],
        password: { user: { domain: { name: 'acme' }, name: 'deployer', password } },
      },
      scope,
    },
  });

  it('issues a project-scoped token in X-Subject-Token, valid 24 h, with a 201', async () => {
    const answer = await call(sim, 'POST', '/v3/auth/tokens', {
      body: tokenRequest('p@ss'),
      headers: { 'Content-Type': 'application/json;charset=utf8' },
    });
    expect(answer.status).toBe(201);
    const issued = answer.headers.get('x-subject-token') ?? '';
    expect(issued).toMatch(/^MII/);
    expect(issued.length).toBeGreaterThan(1000);
    const expiresAt = Date.parse(String(get(answer.json, 'token', 'expires_at')));
    const issuedAt = Date.parse(String(get(answer.json, 'token', 'issued_at')));
    expect(issuedAt).toBe(clock.now());
    expect(expiresAt - issuedAt).toBe(24 * 3600 * 1000);
    expect(String(get(answer.json, 'token', 'expires_at'))).toMatch(
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/,
    );
    expect(get(answer.json, 'token', 'project', 'name')).toBe('cn-north-4');
    expect(get(answer.json, 'token', 'catalog')).toEqual([]);
  });

  it('leaves the catalog out with nocatalog', async () => {
    const answer = await call(sim, 'POST', '/v3/auth/tokens?nocatalog=true', { body: tokenRequest('p@ss') });
    expect(answer.status).toBe(201);
    expect(get(answer.json, 'token')).not.toHaveProperty('catalog');
  });

  it('answers a wrong password with a Keystone-style 401', async () => {
    const answer = await call(sim, 'POST', '/v3/auth/tokens', { body: tokenRequest('wrong') });
    expect(answer.status).toBe(401);
    expect(answer.json).toEqual({
      error: { code: 401, title: 'Unauthorized', message: 'The username or password is wrong.' },
    });
    expect(answer.headers.get('x-subject-token')).toBeNull();
  });

  it('issues a domain-scoped token that Deploy refuses', async () => {
    const answer = await call(sim, 'POST', '/v3/auth/tokens', {
      body: tokenRequest('p@ss', { domain: { name: 'acme' } }),
    });
    expect(answer.status).toBe(201);
    const denied = await call(sim, 'GET', `/v2/tasks/${sim.createTask().taskId}`, {
      token: answer.headers.get('x-subject-token') ?? '',
    });
    expect(denied.status).toBe(401);
    expect(get(denied.json, 'error_code')).toBe('APIG.0301');
  });
});

describe('simulator: gateway checks', () => {
  it('rejects a missing, garbled or expired token with the exact APIG.0301 messages', async () => {
    const { taskId } = sim.createTask();
    const missing = await call(sim, 'GET', `/v2/tasks/${taskId}`);
    expect(missing.status).toBe(401);
    expect(get(missing.json, 'error_code')).toBe('APIG.0301');
    expect(get(missing.json, 'error_msg')).toBe(
      'Incorrect IAM authentication information: x-auth-token not found',
    );
    expect(get(missing.json, 'request_id')).toBe(missing.headers.get('x-request-id'));

    const garbled = await call(sim, 'GET', `/v2/tasks/${taskId}`, { token: `${token}x` });
    expect(get(garbled.json, 'error_msg')).toBe(
      'Incorrect IAM authentication information: decrypt token fail',
    );

    const shortLived = sim.issueToken();
    const expiresAt = new Date(clock.now() + 24 * 3600 * 1000).toISOString().slice(0, 23);
    clock.advance(24 * 3600 * 1000);
    const expired = await call(sim, 'GET', `/v2/tasks/${taskId}`, { token: shortLived });
    expect(expired.status).toBe(401);
    expect(get(expired.json, 'error_msg')).toBe(
      `Incorrect IAM authentication information: token expires, expires_at: ${expiresAt}000Z`,
    );
    token = sim.issueToken();
  });

  it('answers an unknown path or method with 404 APIG.0101, before checking credentials', async () => {
    const { taskId } = sim.createTask();
    for (const [method, path] of [
      ['GET', '/v1/projects/x/tasks/y/histories'],
      ['DELETE', `/v2/tasks/${taskId}/state`],
      ['GET', '/'],
    ] as const) {
      const answer = await call(sim, method, path);
      expect(answer.status).toBe(404);
      expect(get(answer.json, 'error_code')).toBe('APIG.0101');
    }
  });

  it('puts a distinct X-Request-Id on every response, errors included', async () => {
    const { taskId } = sim.createTask();
    const answers = await Promise.all([
      call(sim, 'GET', `/v2/tasks/${taskId}`, { token }),
      call(sim, 'GET', `/v2/tasks/${taskId}/state`, { token }),
      call(sim, 'GET', '/nope'),
      call(sim, 'GET', '/_sim/state'),
    ]);
    const ids = answers.map((a) => a.headers.get('x-request-id'));
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('accepts application/json, application/json;charset=utf-8 and no content type on GET', async () => {
    const { taskId } = sim.createTask({ name: 'ct' });
    for (const headers of [
      { 'Content-Type': 'application/json' } as Record<string, string>,
      { 'Content-Type': 'application/json;charset=utf-8' },
      {},
    ]) {
      const answer = await call(sim, 'GET', `/v2/tasks/${taskId}`, { token, headers });
      expect(answer.status).toBe(200);
      expect(get(answer.json, 'name')).toBe('ct');
    }
  });

  it('throttles a token over its per-minute limit with a JSON 429 APIG.0308, then lets it through a minute later', async () => {
    sim.rateLimitPerMinute = 3;
    const own = sim.issueToken();
    const { taskId } = sim.createTask();
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++)
      statuses.push((await call(sim, 'GET', `/v2/tasks/${taskId}`, { token: own })).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const throttled = await call(sim, 'GET', `/v2/tasks/${taskId}`, { token: own });
    expect(throttled.headers.get('content-type')).toMatch(/^application\/json/);
    expect(get(throttled.json, 'error_code')).toBe('APIG.0308');
    expect(String(get(throttled.json, 'error_msg'))).toContain('The throttling threshold has been reached');
    // Per token: another token is unaffected.
    expect((await call(sim, 'GET', `/v2/tasks/${taskId}`, { token: sim.issueToken() })).status).toBe(200);
    clock.advance(60_001);
    expect((await call(sim, 'GET', `/v2/tasks/${taskId}`, { token: own })).status).toBe(200);
  });
});

describe('simulator: AK/SK', () => {
  const signedGet = (path: string, ak: string, sk: string, nowMs = clock.now()) => {
    const url = new URL(`${sim.url}${path}`);
    const headers = signRequest(
      { method: 'GET', url, headers: { 'content-type': 'application/json' } },
      { accessKey: ak, secretKey: sk },
      nowMs,
    );
    return call(sim, 'GET', `${url.pathname}${url.search}`, { headers });
  };

  it('accepts a correct signature and rejects a wrong one, an unknown AK and a 15-minute skew', async () => {
    sim.addAccessKey('AKGOOD', 'right-secret');
    const { taskId } = sim.createTask({ name: 'signed' });
    const ok = await signedGet(
      `/v2/tasks/${taskId}/state?step_state=true&record_id=${'0'.repeat(32)}`,
      'AKGOOD',
      'right-secret',
    );
    expect(ok.status).toBe(404); // signature fine; the record does not exist
    expect(get(ok.json, 'error_code')).toBe('Deploy.00011303');
    expect((await signedGet(`/v2/tasks/${taskId}`, 'AKGOOD', 'right-secret')).status).toBe(200);

    const bad = await signedGet(`/v2/tasks/${taskId}`, 'AKGOOD', 'wrong-secret');
    expect(bad.status).toBe(401);
    expect(get(bad.json, 'error_msg')).toContain('verify aksk signature fail');

    const unknown = await signedGet(`/v2/tasks/${taskId}`, 'AKNOPE', 'x');
    expect(get(unknown.json, 'error_msg')).toContain('Get secretKey failed,ak:AKNOPE,err:ak not exist');

    const skewed = await signedGet(
      `/v2/tasks/${taskId}`,
      'AKGOOD',
      'right-secret',
      clock.now() - 16 * 60_000,
    );
    expect(skewed.status).toBe(401);
    const withinSkew = await signedGet(
      `/v2/tasks/${taskId}`,
      'AKGOOD',
      'right-secret',
      clock.now() - 14 * 60_000,
    );
    expect(withinSkew.status).toBe(200);
  });

  it('locks an AK for 5 minutes after 5 consecutive bad signatures', async () => {
    sim.addAccessKey('AKLOCK', 'secret');
    const { taskId } = sim.createTask();
    for (let i = 0; i < 5; i++)
      expect((await signedGet(`/v2/tasks/${taskId}`, 'AKLOCK', 'bad')).status).toBe(401);
    const locked = await signedGet(`/v2/tasks/${taskId}`, 'AKLOCK', 'secret');
    expect(locked.status).toBe(401);
    expect(get(locked.json, 'error_msg')).toContain('AK access failed to reach the limit,forbidden');
    clock.advance(5 * 60_000);
    expect((await signedGet(`/v2/tasks/${taskId}`, 'AKLOCK', 'secret')).status).toBe(200);
  });

  it('verifies the body hash of a signed POST', async () => {
    sim.addAccessKey('AKPOST', 'secret');
    const { taskId } = sim.createTask();
    const url = new URL(`${sim.url}/v2/tasks/${taskId}/start`);
    const body = JSON.stringify({ params: [{ key: 'v', value: '1', type: 'text' }] });
    const headers = signRequest(
      { method: 'POST', url, headers: { 'content-type': 'application/json' }, body },
      { accessKey: 'AKPOST', secretKey: 'secret' },
      clock.now(),
    );
    const tampered = await call(sim, 'POST', url.pathname, { headers, body: body.replace('"1"', '"2"') });
    expect(tampered.status).toBe(401);
    const started = await call(sim, 'POST', url.pathname, { headers, body });
    expect(started.status).toBe(200);
    expect(started.json).toMatchObject({ task_id: taskId });
  });

  it('verifies percent-encoded paths and sorted, encoded queries the way the gateway does', async () => {
    sim.addAccessKey('AKENC', 'secret');
    const { taskId } = sim.createTask();
    const answer = await signedGet(
      `/v2/${sim.projectId}/task/${taskId}/history?start_date=2025-07-01&size=10&page=1&end_date=2025-07-09&x=a%20b~c`,
      'AKENC',
      'secret',
    );
    expect(answer.status).toBe(200);
  });
});

describe('simulator: runs over the manual clock', () => {
  it('walks a run pending → running → succeeded, with growing counters and end_time only at the end', async () => {
    const { taskId } = sim.createTask({
      name: 'svc',
      steps: [
        { name: 'one', durationMs: 10_000 },
        { name: 'two', durationMs: 10_000 },
      ],
    });
    const { recordId } = sim.startRun(taskId, { pendingMs: 2000, executor: 'alice' });

    const pending = await state(taskId);
    expect(pending.status).toBe(200);
    expect(get(pending.json, 'status')).toBe('success');
    expect(get(pending.json, 'result')).toMatchObject({
      record_id: recordId,
      task_id: taskId,
      task_name: 'svc',
      status: 'pending',
      step: 'running',
      end_time: '',
      executor: 'alice',
    });
    expect(String(get(pending.json, 'result', 'start_time'))).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);

    clock.advance(5000);
    const early = await state(taskId);
    expect(get(early.json, 'result', 'status')).toBe('running');
    expect(get(early.json, 'result', 'end_time')).toBe('');
    const e1 = Number(get(early.json, 'result', 'step_state', 0, 'elapsed_time'));
    const o1 = Number(get(early.json, 'result', 'step_state', 0, 'current_offset'));

    clock.advance(4000);
    const later = await state(taskId);
    expect(Number(get(later.json, 'result', 'step_state', 0, 'elapsed_time'))).toBeGreaterThan(e1);
    expect(Number(get(later.json, 'result', 'step_state', 0, 'current_offset'))).toBeGreaterThan(o1);
    expect(get(later.json, 'result', 'step_state', 1, 'elapsed_time')).toBe(0);

    clock.advance(20_000);
    const done = await state(taskId, `?record_id=${recordId}`);
    expect(get(done.json, 'result')).toMatchObject({ status: 'succeeded', step: 'finish' });
    expect(String(get(done.json, 'result', 'end_time'))).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    expect(get(done.json, 'result', 'step_state', 1, 'elapsed_time')).toBe(10);

    const truth = sim.runs(taskId);
    expect(truth).toHaveLength(1);
    expect(truth[0]).toMatchObject({ recordId, outcome: 'succeeded', status: 'succeeded', finished: true });
    expect(truth[0]?.steps.map((s) => s.outcome)).toEqual(['done', 'done']);
  });

  it("lists every step from the start ('all') or only steps reached so far ('reached')", async () => {
    const steps = ['a', 'b', 'c'].map((name) => ({ name, durationMs: 10_000 }));
    const all = sim.createTask({ steps, listing: 'all' }).taskId;
    const reached = sim.createTask({ steps, listing: 'reached' }).taskId;
    sim.startRun(all, { pendingMs: 0 });
    sim.startRun(reached, { pendingMs: 0 });
    clock.advance(15_000);
    const names = async (taskId: string) =>
      ((get((await state(taskId)).json, 'result', 'step_state') as Array<{ name: string }>) ?? []).map(
        (s) => s.name,
      );
    expect(await names(all)).toEqual(['a', 'b', 'c']);
    expect(await names(reached)).toEqual(['a', 'b']);
    clock.advance(20_000);
    expect(await names(reached)).toEqual(['a', 'b', 'c']);
  });

  it("emits StepInfo as numbers/booleans ('sdk') or as strings ('strings'), and omits it with step_state=false", async () => {
    const sdk = sim.createTask({
      steps: [
        { name: 'x', enabled: true },
        { name: 'y', enabled: false },
      ],
    }).taskId;
    const strings = sim.createTask({
      steps: [
        { name: 'x', enabled: true },
        { name: 'y', enabled: false },
      ],
      fieldTypes: 'strings',
    }).taskId;
    sim.startRun(sdk, { pendingMs: 0 });
    sim.startRun(strings, { pendingMs: 0 });
    clock.advance(3000);
    expect(get((await state(sdk)).json, 'result', 'step_state', 1)).toMatchObject({
      id: 2,
      enable: false,
      offset: 0,
      elapsed_time: 0,
    });
    expect(get((await state(sdk)).json, 'result', 'step_state', 0)).toMatchObject({
      id: 1,
      enable: true,
      elapsed_time: 3,
    });
    const str = get((await state(strings)).json, 'result', 'step_state') as Array<Record<string, unknown>>;
    expect(str[0]).toMatchObject({ id: '1', enable: 'true', elapsed_time: '3', region: 'cn-north-4' });
    expect(str[1]).toMatchObject({ id: '2', enable: 'false' });
    for (const step of str) for (const value of Object.values(step)) expect(typeof value).toBe('string');
    expect(get((await state(sdk, '?step_state=false')).json, 'result')).not.toHaveProperty('step_state');
  });

  it('marks the failed step with its faq_url and never reaches later steps', async () => {
    const { taskId } = sim.createTask({
      steps: [{ name: 'a' }, { name: 'b', faqUrl: 'https://faq.example/b' }, { name: 'c' }],
      listing: 'reached',
    });
    sim.startRun(taskId, { pendingMs: 0, outcome: 'failed', failAtStep: 1 });
    clock.advance(60_000);
    const result = get((await state(taskId)).json, 'result') as {
      status: string;
      step_state: Array<Record<string, unknown>>;
    };
    expect(result.status).toBe('failed');
    expect(result.step_state.map((s) => s.name)).toEqual(['a', 'b']);
    expect(result.step_state[1]?.faq_url).toBe('https://faq.example/b');
    expect(result.step_state[0]?.faq_url).toBe('');
  });

  it('starts over HTTP with a flat answer, refuses a second start while running, and stops to abort', async () => {
    const { taskId } = sim.createTask();
    const started = await call(sim, 'POST', `/v2/tasks/${taskId}/start`, {
      token,
      body: { params: [{ key: 'version', value: '1.0.3', type: 'text' }], trigger_source: '0' },
    });
    expect(started.status).toBe(200);
    const recordId = String(get(started.json, 'id'));
    expect(recordId).toMatch(/^[0-9a-f]{32}$/);
    expect(recordId).not.toBe(taskId);
    expect(started.json).toMatchObject({ task_id: taskId, app_component_list: [] });
    expect(String(get(started.json, 'job_name'))).toMatch(/^\w+$/);

    const again = await call(sim, 'POST', `/v2/tasks/${taskId}/start`, { token });
    expect(again.status).toBe(400);
    expect(get(again.json, 'error_code')).toBe('Deploy.00011027');
    expect(() => sim.startRun(taskId)).toThrow(/Deploy\.00011027/);

    const params = await call(sim, 'GET', `/v2/history/tasks/${taskId}/params?record_id=${recordId}`, {
      token,
    });
    expect(params.json).toEqual([{ name: 'version', type: 'text', value: '1.0.3' }]);

    clock.advance(5000);
    const stopped = await call(sim, 'PUT', `/v2/tasks/${taskId}/records/${recordId}/stop`, {
      token,
      body: '""',
    });
    expect(stopped.json).toEqual({ status: 'success', result: { id: recordId, task_id: taskId } });
    expect(get((await state(taskId)).json, 'result', 'status')).toBe('abort');
    expect(get((await state(taskId)).json, 'result', 'step')).toBe('finish');

    // Stopping while still queued cancels it: not_started.
    const queued = sim.startRun(taskId, { pendingMs: 10_000 }).recordId;
    sim.stopRun(taskId, queued);
    expect(get((await state(taskId)).json, 'result', 'status')).toBe('not_started');
  });

  it('answers a never-run task with 404 Deploy.00011303 on /state while its detail still names it', async () => {
    const { taskId } = sim.createTask({ name: 'fresh' });
    const answer = await state(taskId);
    expect(answer.status).toBe(404);
    expect(answer.json).toMatchObject({ error_code: 'Deploy.00011303', status: 'error' });
    const detail = await call(sim, 'GET', `/v2/tasks/${taskId}`, { token });
    expect(detail.status).toBe(200);
    expect(detail.json).toMatchObject({
      task_id: taskId,
      name: 'fresh',
      execution_state: 'not_executed',
      state: 'Available',
    });
  });

  it('answers an unknown record with the dual-shape 404 as text/html, and an unknown task with 404 Deploy.00011020', async () => {
    const { taskId } = sim.createTask();
    const { recordId } = sim.startRun(taskId);
    const other = sim.createTask().taskId;
    const gone = await state(other, `?record_id=${recordId}`); // a real record of another task
    expect(gone.status).toBe(404);
    expect(gone.headers.get('content-type')).toMatch(/^text\/html/);
    expect(gone.json).toEqual({
      error: { code: 'DEV-12-10303', reason: '无执行记录' },
      status: 'error',
      error_code: 'Deploy.00011303',
      error_msg: '无执行记录',
    });
    const noTask = await state(recordId); // a record ID is not a task ID
    expect(noTask.status).toBe(404);
    expect(noTask.json).toMatchObject({
      error_code: 'Deploy.00011020',
      status: 'error',
      error: { code: expect.any(String) },
    });
    expect(get(noTask.json, 'error', 'reason')).toBe(get(noTask.json, 'error_msg'));
  });

  it('forgets deleted tasks and records', async () => {
    const { taskId } = sim.createTask();
    const first = sim.startRun(taskId, { pendingMs: 0 }).recordId;
    clock.advance(60_000);
    const second = sim.startRun(taskId, { pendingMs: 0 }).recordId;
    sim.inject({ kind: 'delete-record', taskId, recordId: second });
    expect(get((await state(taskId)).json, 'result', 'record_id')).toBe(first);
    expect(get((await state(taskId, `?record_id=${second}`)).json, 'error_code')).toBe('Deploy.00011303');
    sim.deleteTask(taskId);
    expect(get((await state(taskId)).json, 'error_code')).toBe('Deploy.00011020');
    expect(get((await call(sim, 'GET', `/v2/tasks/${taskId}`, { token })).json, 'error_code')).toBe(
      'Deploy.00011020',
    );
  });

  it('keeps deploying on a schedule with autoDeploy, failing every n-th run', async () => {
    const { taskId } = sim.createTask({ steps: 2 });
    sim.autoDeploy(taskId, { everyMs: 60_000, failEvery: 2 });
    clock.advance(4 * 60_000 + 1);
    const runs = sim.runs(taskId);
    expect(runs).toHaveLength(5);
    expect(runs.map((r) => r.outcome)).toEqual(['succeeded', 'failed', 'succeeded', 'failed', 'succeeded']);
    expect(runs.map((r) => r.releaseId)).toEqual([1, 2, 3, 4, 5]);
    expect(new Set(runs.map((r) => r.recordId)).size).toBe(5);
    expect(get((await state(taskId)).json, 'result', 'record_id')).toBe(runs[4]?.recordId);
  });
});

describe('simulator: related APIs', () => {
  it('pages history by date with total_num, and enforces the date rules', async () => {
    const { taskId } = sim.createTask({ steps: 1 });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      ids.push(sim.startRun(taskId, { pendingMs: 0 }).recordId);
      clock.advance(60_000);
    }
    const day = new Date(clock.now() + 8 * 3600_000).toISOString().slice(0, 10);
    const base = `/v2/${sim.projectId}/task/${taskId}/history`;
    const page1 = await call(sim, 'GET', `${base}?page=1&size=2&start_date=${day}&end_date=${day}`, {
      token,
    });
    expect(page1.status).toBe(200);
    expect(get(page1.json, 'total_num')).toBe(3);
    const records = get(page1.json, 'result') as Array<Record<string, unknown>>;
    expect(records.map((r) => r.execution_id)).toEqual([ids[2], ids[1]]);
    expect(records[0]).toMatchObject({
      state: 'succeeded',
      release_id: 3,
      type: 'deploy',
      operator: 'devcloud_test',
    });
    expect(String(records[0]?.duration)).toMatch(/^\d\d:\d\d:\d\d$/);
    const page2 = await call(sim, 'GET', `${base}?page=2&size=2&start_date=${day}&end_date=${day}`, {
      token,
    });
    expect((get(page2.json, 'result') as unknown[]).map((r) => get(r, 'execution_id'))).toEqual([ids[0]]);

    const missing = await call(sim, 'GET', `${base}?page=1&size=2`, { token });
    expect(missing.status).toBe(400);
    expect(get(missing.json, 'error_code')).toBe('APIG.0106');
    for (const q of [
      'start_date=2025-01-01&end_date=2025-03-01', // over 30 days
      'start_date=2025-02-01&end_date=2025-01-01', // end before start
      'start_date=2025-02-30&end_date=2025-03-01', // not a date
    ]) {
      expect((await call(sim, 'GET', `${base}?page=1&size=10&${q}`, { token })).status).toBe(400);
    }
    expect(
      (await call(sim, 'GET', `${base}?page=1&size=101&start_date=${day}&end_date=${day}`, { token })).status,
    ).toBe(400);
    const otherDay = await call(
      sim,
      'GET',
      `${base}?page=1&size=10&start_date=2020-01-01&end_date=2020-01-02`,
      { token },
    );
    expect(otherDay.json).toEqual({ result: [], total_num: 0 });
  });

  it('lists applications and tasks with {total_num, result} and shows application detail wrapped', async () => {
    const { taskId, appId } = sim.createTask({ name: 'listed-app' });
    const apps = await call(sim, 'POST', '/v1/applications/list', {
      token,
      body: { project_id: sim.projectId, page: 1, size: 100 },
    });
    expect(apps.status).toBe(200);
    const app = (get(apps.json, 'result') as Array<Record<string, unknown>>).find((a) => a.id === appId);
    expect(app).toMatchObject({
      name: 'listed-app',
      execution_state: 'not_executed',
      arrange_infos: [{ id: taskId }],
    });
    expect(Number(get(apps.json, 'total_num'))).toBeGreaterThan(0);

    const info = await call(sim, 'GET', `/v1/applications/${appId}/info`, { token });
    expect(info.json).toMatchObject({
      status: 'success',
      result: { id: appId, arrange_infos: [{ id: taskId }] },
    });

    const tasks = await call(sim, 'GET', `/v2/${sim.projectId}/tasks/list?page=1&size=100`, { token });
    expect(
      (get(tasks.json, 'result') as Array<Record<string, unknown>>).some((t) => t.task_id === taskId),
    ).toBe(true);

    const wrongProject = await call(sim, 'GET', `/v2/${taskId}/tasks/list?page=1&size=10`, { token });
    expect(get(wrongProject.json, 'error_code')).toBe('Deploy.00016902');
    expect(
      (await call(sim, 'POST', '/v1/applications/list', { token, body: { page: 1, size: 10 } })).status,
    ).toBe(400);
  });
});

describe('simulator: faults and instrumentation', () => {
  it('applies a fault to the next N matching calls only, by task', async () => {
    const target = sim.createTask().taskId;
    const bystander = sim.createTask().taskId;
    sim.inject({ kind: 'server-error', status: 503, taskId: target, count: 2 });
    expect((await call(sim, 'GET', `/v2/tasks/${bystander}`, { token })).status).toBe(200);
    expect((await call(sim, 'GET', `/v2/tasks/${target}`, { token })).status).toBe(503);
    expect((await call(sim, 'GET', `/v2/tasks/${target}`, { token })).status).toBe(503);
    expect((await call(sim, 'GET', `/v2/tasks/${target}`, { token })).status).toBe(200);
  });

  it('serves HTML pages, truncated JSON and wrong-shape JSON on demand', async () => {
    const { taskId } = sim.createTask();
    sim.inject({ kind: 'html', path: `/v2/tasks/${taskId}` });
    const html = await call(sim, 'GET', `/v2/tasks/${taskId}`, { token });
    expect(html.status).toBe(502);
    expect(html.headers.get('content-type')).toMatch(/^text\/html/);
    expect(html.json).toBeUndefined();

    sim.inject({ kind: 'malformed-json', taskId });
    const malformed = await call(sim, 'GET', `/v2/tasks/${taskId}`, { token });
    expect(malformed.status).toBe(200);
    expect(malformed.json).toBeUndefined();

    sim.inject({ kind: 'wrong-shape', taskId, body: [1, 2] });
    expect((await call(sim, 'GET', `/v2/tasks/${taskId}`, { token })).json).toEqual([1, 2]);
  });

  it('throttles and rejects on demand, and expires every token', async () => {
    const { taskId } = sim.createTask();
    sim.inject({ kind: 'throttle', retryAfterSeconds: 4 });
    const throttled = await call(sim, 'GET', `/v2/tasks/${taskId}`, { token });
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('retry-after')).toBe('4');
    sim.inject({ kind: 'unauthorized' });
    expect((await call(sim, 'GET', `/v2/tasks/${taskId}`, { token })).status).toBe(401);
    const mine = sim.issueToken();
    sim.inject({ kind: 'expire-tokens' });
    expect(get((await call(sim, 'GET', `/v2/tasks/${taskId}`, { token: mine })).json, 'error_msg')).toContain(
      'token expires',
    );
    token = sim.issueToken();
  });

  it('holds a request (hang) without blocking others, and answers late when asked', async () => {
    const { taskId } = sim.createTask();
    sim.inject({ kind: 'hang', taskId });
    const hung = call(sim, 'GET', `/v2/tasks/${taskId}`, { token, signal: AbortSignal.timeout(150) });
    const other = await call(sim, 'GET', `/v2/tasks/${taskId}`, { token });
    expect(other.status).toBe(200);
    await expect(hung).rejects.toThrow();

    sim.inject({ kind: 'hang', taskId, afterMs: 30 });
    const started = performance.now();
    expect((await call(sim, 'GET', `/v2/tasks/${taskId}`, { token })).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(25);
  });

  it('delays answers by latencyMs concurrently, not one after another', async () => {
    const { taskId } = sim.createTask();
    sim.latencyMs = 60;
    const started = performance.now();
    const answers = await Promise.all(
      Array.from({ length: 8 }, () => call(sim, 'GET', `/v2/tasks/${taskId}`, { token })),
    );
    const took = performance.now() - started;
    expect(answers.every((a) => a.status === 200)).toBe(true);
    expect(took).toBeGreaterThanOrEqual(55);
    expect(took).toBeLessThan(400);
  });

  it('logs every request with method, path, query, auth kind, status and request ID', async () => {
    const { taskId } = sim.createTask();
    sim.clearRequests();
    const answer = await call(sim, 'GET', `/v2/tasks/${taskId}/state?step_state=false`, { token });
    await call(sim, 'GET', `/v2/tasks/${taskId}`);
    expect(sim.requests).toEqual([
      expect.objectContaining({
        method: 'GET',
        path: `/v2/tasks/${taskId}/state`,
        query: { step_state: 'false' },
        auth: 'token',
        status: 404,
        taskId,
        requestId: answer.headers.get('x-request-id'),
      }),
      expect.objectContaining({ auth: 'none', status: 401 }),
    ]);
  });

  it('can be driven over the /_sim control API', async () => {
    const created = await call(sim, 'POST', '/_sim/tasks', {
      body: { name: 'curl-task', steps: 2, listing: 'reached' },
    });
    expect(created.status).toBe(201);
    const taskId = String(get(created.json, 'taskId'));
    const run = await call(sim, 'POST', `/_sim/tasks/${taskId}/runs`, {
      body: { outcome: 'failed', failAtStep: 1, pendingMs: 0 },
    });
    const recordId = String(get(run.json, 'recordId'));
    expect((await call(sim, 'POST', '/_sim/clock', { body: { advanceMs: 15_000 } })).status).toBe(200);
    expect(get((await state(taskId)).json, 'result')).toMatchObject({
      record_id: recordId,
      status: 'running',
    });
    expect((await call(sim, 'POST', '/_sim/faults', { body: { kind: 'server-error', taskId } })).status).toBe(
      201,
    );
    expect((await state(taskId)).status).toBe(500);
    const snapshot = await call(sim, 'GET', '/_sim/state');
    const task = (get(snapshot.json, 'tasks') as Array<Record<string, unknown>>).find((t) => t.id === taskId);
    expect(get(task, 'runs', 0, 'outcome')).toBe('failed');
    expect(
      (await call(sim, 'POST', `/_sim/tasks/${taskId}/runs`, { body: { outcome: 'nope' } })).status,
    ).toBe(400);
    expect((await call(sim, 'GET', '/_sim/nothing')).status).toBe(404);
  });
});
