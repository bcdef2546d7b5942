import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type CodeArtsAuth,
  type CodeArtsClient,
  type CodeArtsClientOptions,
  defaultDeployEndpoint,
  defaultIamEndpoint,
} from '../../../functions/adapters/codearts/index.js';
import { CodeArtsError } from '../../../functions/ports.js';
import { CodeArtsSimulator, ManualClock } from '../../../local/codearts-simulator/index.js';
import { simulatorClient } from '../../support/sim-codearts.js';

const clock = new ManualClock();
let sim: CodeArtsSimulator;

const USER = { domain: 'acme', name: 'deployer', password: 'Sup3r-Secret-Pw' };
const PASSWORD_AUTH: CodeArtsAuth = {
  type: 'password',
  domainName: USER.domain,
  userName: USER.name,
  password: USER.password,
};
const AK = 'AKCLIENTTEST0000001';
const SK = 'client-secret-key-0123456789';

beforeAll(async () => {
  sim = await CodeArtsSimulator.start({ clock });
  sim.addUser(USER);
  sim.addAccessKey(AK, SK);
});
afterEach(() => {
  sim.clearFaults();
  sim.rateLimitPerMinute = null;
});
afterAll(() => sim.stop());

const client = (auth: CodeArtsAuth, extra: Partial<CodeArtsClientOptions> = {}): CodeArtsClient =>
  simulatorClient(sim, { auth, now: () => clock.now(), ...extra });

/** Requests made from now on (IAM and Deploy), as "METHOD path status". */
const track = () => {
  const from = sim.requests.length;
  return () =>
    sim.requests.slice(from).map((r) => `${r.method} ${r.path.replace(/[0-9a-f]{32}/g, '{id}')} ${r.status}`);
};

/** A task with one finished run. */
const finishedTask = (name = 'svc') => {
  const { taskId } = sim.createTask({ name, steps: 2 });
  const { recordId } = sim.startRun(taskId, { pendingMs: 0 });
  clock.advance(60_000);
  return { taskId, recordId };
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

describe('CodeArtsClient: password auth', () => {
  it('gets a token once, sends it, and resolves with the run the /state body describes', async () => {
    const { taskId, recordId } = finishedTask('state-body');
    const c = client(PASSWORD_AUTH);
    const calls = track();
    const body = await c.getTaskState(taskId);
    expect(body).toMatchObject({ recordId, taskId, taskName: 'state-body', status: 'succeeded' });
    expect(await c.getTaskDetail(taskId)).toEqual({ name: 'state-body', projectId: sim.projectId });
    expect(calls()).toEqual([
      'POST /v3/auth/tokens 201',
      'GET /v2/tasks/{id}/state 200',
      'GET /v2/tasks/{id} 200',
    ]);
    expect(sim.requests.at(-2)?.query).toEqual({ step_state: 'true' });
    expect(sim.requests.at(-2)?.auth).toBe('token');
  });

  it('sends record_id when asked', async () => {
    const { taskId, recordId } = finishedTask();
    const c = client(PASSWORD_AUTH);
    await c.getTaskState(taskId, { recordId });
    expect(sim.requests.at(-1)?.query).toEqual({ record_id: recordId, step_state: 'true' });
  });

  it('shares one in-flight token request between concurrent callers', async () => {
    const { taskId } = finishedTask();
    const c = client(PASSWORD_AUTH);
    const calls = track();
    const bodies = await Promise.all(Array.from({ length: 10 }, () => c.getTaskState(taskId)));
    expect(bodies).toHaveLength(10);
    expect(calls().filter((c) => c.startsWith('POST /v3/auth/tokens'))).toHaveLength(1);
    expect(calls().filter((c) => c === 'GET /v2/tasks/{id}/state 200')).toHaveLength(10);
  });

  it('keeps the token until 5 minutes before expires_at, then renews it before it is refused', async () => {
    const { taskId } = finishedTask();
    const c = client(PASSWORD_AUTH);
    await c.getTaskState(taskId);
    const calls = track();
    clock.advance(24 * 3600_000 - 6 * 60_000);
    await c.getTaskState(taskId);
    expect(calls()).toEqual(['GET /v2/tasks/{id}/state 200']);
    clock.advance(2 * 60_000);
    await c.getTaskState(taskId);
    expect(calls()).toEqual([
      'GET /v2/tasks/{id}/state 200',
      'POST /v3/auth/tokens 201',
      'GET /v2/tasks/{id}/state 200',
    ]);
  });

  it('renews the token once on a 401 and retries the call once', async () => {
    const { taskId } = finishedTask();
    const c = client(PASSWORD_AUTH);
    await c.getTaskState(taskId);
    sim.inject({ kind: 'expire-tokens' });
    const calls = track();
    await expect(c.getTaskState(taskId)).resolves.toMatchObject({ taskId });
    expect(calls()).toEqual([
      'GET /v2/tasks/{id}/state 401',
      'POST /v3/auth/tokens 201',
      'GET /v2/tasks/{id}/state 200',
    ]);
  });

  it("gives up with 'auth' when the renewed token is refused too (one refresh, no loop)", async () => {
    const { taskId } = finishedTask();
    const c = client(PASSWORD_AUTH);
    await c.getTaskState(taskId);
    sim.inject({ kind: 'unauthorized', count: 'always' });
    const calls = track();
    const error = await failure(c.getTaskState(taskId));
    expect(error.kind).toBe('auth');
    expect(error.status).toBe(401);
    expect(error.code).toBe('APIG.0301');
    expect(calls()).toEqual([
      'GET /v2/tasks/{id}/state 401',
      'POST /v3/auth/tokens 201',
      'GET /v2/tasks/{id}/state 401',
    ]);
  });

  it("reports a wrong password as 'auth' without ever showing the password", async () => {
    const c = client({ ...PASSWORD_AUTH, password: 'Wrong-Pw-Not-Shown' });
    const calls = track();
    const error = await failure(c.getTaskState(finishedTask().taskId));
    expect(error.kind).toBe('auth');
    expect(error.status).toBe(401);
    expect(error.message).toContain('The username or password is wrong.');
    expect(error.message).not.toContain('Wrong-Pw-Not-Shown');
    expect(calls()).toEqual(['POST /v3/auth/tokens 401']);
  });

  it('asks IAM for the region project (or the configured project name) per region', async () => {
    const { taskId } = finishedTask();
    const c = client({ ...PASSWORD_AUTH, projectName: 'cn-north-4_team' });
    const calls = track();
    await c.getTaskState(taskId);
    await c.getTaskState(taskId, { region: 'cn-east-3' });
    await c.getTaskState(taskId, { region: 'cn-east-3' });
    expect(calls().filter((c) => c.startsWith('POST'))).toHaveLength(2);
  });

  it("maps an IAM outage to 'server' and an IAM that never answers to 'timeout'", async () => {
    const { taskId } = finishedTask();
    sim.inject({ kind: 'server-error', status: 503, path: '/v3/auth/tokens' });
    expect((await failure(client(PASSWORD_AUTH).getTaskState(taskId))).kind).toBe('server');
    sim.inject({ kind: 'hang', path: '/v3/auth/tokens' });
    const error = await failure(client(PASSWORD_AUTH, { timeoutMs: 100 }).getTaskState(taskId));
    expect(error.kind).toBe('timeout');
  });
});

describe('CodeArtsClient: AK/SK auth', () => {
  const aksk: CodeArtsAuth = { type: 'aksk', accessKey: AK, secretKey: SK };

  it('signs requests the gateway accepts', async () => {
    const { taskId, recordId } = finishedTask('signed');
    const c = client(aksk);
    expect(await c.getTaskState(taskId, { recordId })).toMatchObject({ recordId });
    expect(await c.getTaskDetail(taskId)).toMatchObject({ name: 'signed' });
    expect(sim.requests.at(-1)?.auth).toBe('aksk');
  });

  it('signs X-Security-Token and X-Project-Id for temporary credentials', async () => {
    sim.addAccessKey('AKTEMPORARY', 'temp-secret', { securityToken: 'sts-token-value' });
    const { taskId } = finishedTask();
    const temporary = client({
      type: 'aksk',
      accessKey: 'AKTEMPORARY',
      secretKey: 'temp-secret',
      securityToken: 'sts-token-value',
      projectId: 'p1',
    });
    await expect(temporary.getTaskState(taskId)).resolves.toMatchObject({ taskId });
    const missing = await failure(
      client({ type: 'aksk', accessKey: 'AKTEMPORARY', secretKey: 'temp-secret' }).getTaskState(taskId),
    );
    expect(missing.kind).toBe('auth');
  });

  it("reports a bad secret as 'auth' with one request per call: no retry, so the AK is not locked by us", async () => {
    const { taskId } = finishedTask();
    const bad = client({ type: 'aksk', accessKey: AK, secretKey: 'not-the-secret-key' });
    const calls = track();
    for (let i = 0; i < 3; i++) {
      const error = await failure(bad.getTaskState(taskId));
      expect(error.kind).toBe('auth');
      expect(error.code).toBe('APIG.0301');
      expect(error.message).not.toContain('not-the-secret-key');
    }
    expect(calls()).toEqual(Array(3).fill('GET /v2/tasks/{id}/state 401'));
    // Three failures stay under the lockout threshold: the good key still works.
    await expect(client(aksk).getTaskState(taskId)).resolves.toMatchObject({ taskId });
  });

  it('dates its signature with its own clock (a skewed clock is refused)', async () => {
    const { taskId } = finishedTask();
    const skewed = client(aksk, { now: () => clock.now() - 20 * 60_000 });
    expect((await failure(skewed.getTaskState(taskId))).kind).toBe('auth');
  });
});

describe('CodeArtsClient: token auth', () => {
  it('sends the given token and fails with auth at once when it is refused', async () => {
    const { taskId } = finishedTask();
    const token = sim.issueToken();
    const c = client({ type: 'token', token });
    await expect(c.getTaskState(taskId)).resolves.toMatchObject({ taskId });
    sim.expireTokens();
    const calls = track();
    const error = await failure(c.getTaskState(taskId));
    expect(error.kind).toBe('auth');
    expect(error.message).toContain('token expires');
    expect(calls()).toEqual(['GET /v2/tasks/{id}/state 401']);
  });

  it('never puts the token in an error message, even when the server echoes it', async () => {
    const token = sim.issueToken();
    sim.inject({
      kind: 'unauthorized',
      message: `Incorrect IAM authentication information: bad token ${token}`,
    });
    const error = await failure(client({ type: 'token', token }).getTaskState(finishedTask().taskId));
    expect(error.message).not.toContain(token);
    expect(error.message).toContain('[redacted]');
    expect(JSON.stringify(error)).not.toContain(token);
  });
});

describe('CodeArtsClient: errors', () => {
  let c: CodeArtsClient;
  beforeAll(() => {
    c = client({ type: 'token', token: sim.issueToken() });
  });

  it("maps 429 APIG.0308 to 'throttled' with a suggested wait, or the Retry-After given", async () => {
    const { taskId } = finishedTask();
    const own = client({ type: 'token', token: sim.issueToken() });
    sim.rateLimitPerMinute = 1;
    await own.getTaskState(taskId);
    const error = await failure(own.getTaskState(taskId));
    expect(error).toMatchObject({
      kind: 'throttled',
      status: 429,
      code: 'APIG.0308',
      retryAfterMs: 3000,
      transient: true,
    });
    expect(error.requestId).toBe(sim.requests.at(-1)?.requestId);
    sim.rateLimitPerMinute = null;
    sim.inject({ kind: 'throttle', retryAfterSeconds: 7 });
    expect((await failure(own.getTaskState(taskId))).retryAfterMs).toBe(7000);
  });

  it("maps a deleted or unknown task to 'task-gone'", async () => {
    const { taskId } = finishedTask();
    sim.deleteTask(taskId);
    const error = await failure(c.getTaskState(taskId));
    expect(error).toMatchObject({ kind: 'task-gone', status: 404, code: 'Deploy.00011020' });
    expect(error.requestId).toMatch(/^[0-9a-f]{32}$/);
    expect((await failure(c.getTaskDetail('0'.repeat(32)))).kind).toBe('task-gone');
  });

  it("maps an unknown record (the text/html dual-shape 404) and a never-run task to 'record-gone'", async () => {
    const { taskId, recordId } = finishedTask();
    sim.deleteRecord(taskId, recordId);
    const error = await failure(c.getTaskState(taskId, { recordId }));
    expect(error).toMatchObject({ kind: 'record-gone', status: 404, code: 'Deploy.00011303' });
    expect(error.message).toContain('无执行记录');
    const fresh = sim.createTask({ name: 'never-run' }).taskId;
    expect((await failure(c.getTaskState(fresh))).kind).toBe('record-gone');
    expect(await c.getTaskDetail(fresh)).toMatchObject({ name: 'never-run' });
  });

  it("maps 5xx, HTML error pages and refused connections to 'server'", async () => {
    const { taskId } = finishedTask();
    sim.inject({ kind: 'server-error', status: 503 });
    expect(await failure(c.getTaskState(taskId))).toMatchObject({
      kind: 'server',
      status: 503,
      code: 'APIG.0203',
    });
    sim.inject({ kind: 'html', status: 502 });
    const html = await failure(c.getTaskState(taskId));
    expect(html).toMatchObject({ kind: 'server', status: 502, code: undefined });
    expect(html.message).toContain('HTTP 502: Bad Gateway');

    const gone = await CodeArtsSimulator.start();
    const deadUrl = gone.url;
    await gone.stop();
    const error = await failure(
      client({ type: 'token', token: 't' }, { endpoint: deadUrl }).getTaskState(taskId),
    );
    expect(error.kind).toBe('server');
    expect(error.status).toBeUndefined();
    expect(error.message).toMatch(/network error/);
  });

  it("maps a server that never answers to 'timeout' within the client timeout", async () => {
    const { taskId } = finishedTask();
    sim.inject({ kind: 'hang' });
    const started = performance.now();
    const error = await failure(
      client({ type: 'token', token: sim.issueToken() }, { timeoutMs: 100 }).getTaskState(taskId),
    );
    expect(error.kind).toBe('timeout');
    expect(error.message).toContain('100 ms');
    expect(performance.now() - started).toBeLessThan(1500);
  });

  it("stops waiting when the caller's signal aborts", async () => {
    const { taskId } = finishedTask();
    sim.inject({ kind: 'hang' });
    const controller = new AbortController();
    const pending = c.getTaskState(taskId, { signal: controller.signal });
    setTimeout(() => controller.abort(new Error('lambda is out of time')), 20);
    const error = await failure(pending);
    expect(error.kind).toBe('timeout');
    expect(error.message).toContain('aborted by the caller');
    expect((await failure(c.getTaskState(taskId, { signal: AbortSignal.abort() }))).kind).toBe('timeout');
  });

  it("maps a 200 with truncated JSON, HTML or a non-object to 'bad-response'", async () => {
    const { taskId } = finishedTask();
    sim.inject({ kind: 'malformed-json' });
    expect(await failure(c.getTaskState(taskId))).toMatchObject({
      kind: 'bad-response',
      status: 200,
      transient: true,
    });
    sim.inject({ kind: 'html', status: 200 });
    expect((await failure(c.getTaskState(taskId))).kind).toBe('bad-response');
    sim.inject({ kind: 'wrong-shape', body: [{ status: 'success' }] });
    expect((await failure(c.getTaskDetail(taskId))).kind).toBe('bad-response');
  });

  it("rejects a /state body without the success envelope, or with a result core cannot read, as 'bad-response'", async () => {
    const { taskId } = finishedTask();
    sim.inject({ kind: 'wrong-shape' });
    const error = await failure(c.getTaskState(taskId));
    expect(error.kind).toBe('bad-response');
    expect(error.requestId).toBe(sim.requests.at(-1)?.requestId);
    sim.inject({ kind: 'wrong-shape', body: { status: 'success', result: { status: 42, step_state: 'x' } } });
    expect(await failure(c.getTaskState(taskId))).toMatchObject({ kind: 'bad-response', transient: true });
  });

  it("refuses an answer about another task, or another record than asked for, as 'bad-response'", async () => {
    const { taskId, recordId } = finishedTask();
    const other = finishedTask();
    const about = (task: string, record: string) => ({
      status: 'success',
      result: { task_id: task, record_id: record, status: 'succeeded', step: 'finish', task_name: 'x' },
    });
    sim.inject({ kind: 'wrong-shape', body: about(other.taskId, other.recordId) });
    expect(await failure(c.getTaskState(taskId))).toMatchObject({ kind: 'bad-response' });
    sim.inject({ kind: 'wrong-shape', body: about(taskId, other.recordId) });
    expect(await failure(c.getTaskState(taskId, { recordId }))).toMatchObject({ kind: 'bad-response' });
    expect(await c.getTaskState(taskId, { recordId })).toMatchObject({ taskId, recordId });
  });

  it.each([
    ['declared up front', true],
    ['chunked', false],
  ])("refuses a 200 MiB body (%s) as 'bad-response' without reading it", async (_how, declareLength) => {
    const { taskId } = finishedTask();
    sim.inject({ kind: 'flood', bytes: 200 * 1024 * 1024, declareLength });
    const error = await failure(c.getTaskState(taskId));
    expect(error).toMatchObject({ kind: 'bad-response', status: 200, transient: true });
    expect(error.message).toContain('1048576');
    const entry = sim.requests.at(-1);
    // The simulator counts what it wrote once the client has hung up; socket buffers hold a few MB at most.
    for (let i = 0; i < 500 && entry?.bytesSent === undefined; i++)
      await new Promise((r) => setTimeout(r, 10));
    expect(entry?.bytesSent).toBeLessThan(16 * 1024 * 1024);
  });

  it('honours an error code inside a 200 body', async () => {
    const { taskId } = finishedTask();
    sim.inject({
      kind: 'wrong-shape',
      body: { status: 'error', error_code: 'Deploy.00011303', error_msg: 'gone' },
    });
    expect((await failure(c.getTaskState(taskId))).kind).toBe('record-gone');
  });

  it("maps an unknown path (404 APIG.0101) to 'bad-request'", async () => {
    const { taskId } = finishedTask();
    const misrouted = client(
      { type: 'token', token: sim.issueToken() },
      { endpoint: `${sim.url}/wrong-prefix/` },
    );
    expect(await failure(misrouted.getTaskState(taskId))).toMatchObject({
      kind: 'bad-request',
      status: 404,
      code: 'APIG.0101',
    });
    expect(sim.requests.at(-1)?.path).toBe(`/wrong-prefix/v2/tasks/${taskId}/state`);
  });

  it('puts the region into an endpoint template', async () => {
    const { taskId } = finishedTask();
    const templated = client({ type: 'token', token: sim.issueToken() }, { endpoint: `${sim.url}/{region}` });
    await failure(templated.getTaskState(taskId, { region: 'cn-east-3' }));
    expect(sim.requests.at(-1)?.path).toBe(`/cn-east-3/v2/tasks/${taskId}/state`);
  });

  it('refuses a region that could change the host name, without calling anyone', async () => {
    const calls = track();
    expect((await failure(c.getTaskState(finishedTask().taskId, { region: 'evil.com/x' }))).kind).toBe(
      'bad-request',
    );
    expect(calls()).toEqual([]);
    expect(() => client(PASSWORD_AUTH, { region: 'a..b' })).toThrow(CodeArtsError);
  });

  it('builds the documented default endpoints', () => {
    expect(defaultDeployEndpoint('cn-north-4')).toBe('https://codearts-deploy.cn-north-4.myhuaweicloud.com');
    expect(defaultIamEndpoint('ap-southeast-3')).toBe('https://iam.ap-southeast-3.myhuaweicloud.com');
    expect(defaultIamEndpoint('eu-west-101')).toBe('https://iam.eu-west-101.myhuaweicloud.eu');
  });
});

describe('CodeArtsClient: task history', () => {
  let c: CodeArtsClient;
  beforeAll(() => {
    c = client({ type: 'token', token: sim.issueToken() });
  });
  /** Today in the simulator's zone (UTC+8), as the history API's dates are written. */
  const day = (offsetDays = 0) =>
    new Date(clock.now() + 8 * 3_600_000 + offsetDays * 86_400_000).toISOString().slice(0, 10);

  it('lists runs newest first with total_num, paged, using the project_id from the task detail', async () => {
    const { taskId, recordId: first } = finishedTask('history');
    const { recordId: second } = sim.startRun(taskId, { pendingMs: 0 });
    clock.advance(60_000);
    const { projectId } = await c.getTaskDetail(taskId);
    expect(projectId).toBe(sim.projectId);
    const calls = track();
    const options = { projectId: projectId ?? '', startDate: day(-1), endDate: day(), size: 1 };
    const page1 = await c.listTaskHistory(taskId, { ...options, page: 1 });
    const page2 = await c.listTaskHistory(taskId, { ...options, page: 2 });
    expect(page1.total).toBe(2);
    expect(page1.records.map((r) => r.recordId)).toEqual([second]);
    expect(page2.records.map((r) => r.recordId)).toEqual([first]);
    expect(page1.records[0]?.releaseId).toBeGreaterThan(
      page2.records[0]?.releaseId ?? Number.POSITIVE_INFINITY,
    );
    expect(calls()).toEqual(['GET /v2/{id}/task/{id}/history 200', 'GET /v2/{id}/task/{id}/history 200']);
    expect(sim.requests.at(-1)?.query).toMatchObject({
      page: '2',
      size: '1',
      start_date: day(-1),
      end_date: day(),
    });
  });

  it('fails like the other calls: unknown project, over-long span, throttling, a body without a result list', async () => {
    const { taskId } = finishedTask('history-errors');
    const options = { projectId: sim.projectId, startDate: day(), endDate: day(), page: 1, size: 100 };
    expect(await failure(c.listTaskHistory(taskId, { ...options, projectId: 'f'.repeat(32) }))).toMatchObject(
      {
        kind: 'bad-request',
        status: 404,
        code: 'Deploy.00016902',
        transient: false,
      },
    );
    expect((await failure(c.listTaskHistory(taskId, { ...options, startDate: day(-40) }))).transient).toBe(
      false,
    );
    sim.inject({ kind: 'throttle' });
    expect((await failure(c.listTaskHistory(taskId, options))).kind).toBe('throttled');
    sim.inject({ kind: 'server-error' });
    expect((await failure(c.listTaskHistory(taskId, options))).kind).toBe('server');
    sim.inject({ kind: 'wrong-shape', body: { total_num: 1 } });
    expect((await failure(c.listTaskHistory(taskId, options))).kind).toBe('bad-response');
    expect((await failure(c.listTaskHistory('0'.repeat(32), options))).kind).toBe('task-gone');
  });
});
