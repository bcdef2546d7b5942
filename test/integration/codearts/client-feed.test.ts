// CodeArtsClient.listApplications against the simulator over HTTP: the parsed page, the options it sends,
// and every refusal and fault of the feed as a CodeArtsError.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type {
  CodeArtsAuth,
  CodeArtsClient,
  CodeArtsClientOptions,
} from '../../../functions/adapters/codearts/index.js';
import { CodeArtsError, type ListApplicationsOptions } from '../../../functions/ports.js';
import { CodeArtsSimulator, ManualClock } from '../../../local/codearts-simulator/index.js';
import { simulatorClient } from '../../support/sim-codearts.js';

const clock = new ManualClock();
let sim: CodeArtsSimulator;
let c: CodeArtsClient;

const USER = { domain: 'acme', name: 'deployer', password: 'Feed-Pw-123' };
const AK = 'AKFEEDTEST000000001';
const SK = 'feed-secret-key-0123456789';

const client = (auth: CodeArtsAuth, extra: Partial<CodeArtsClientOptions> = {}): CodeArtsClient =>
  simulatorClient(sim, { auth, now: () => clock.now(), ...extra });

beforeAll(async () => {
  sim = await CodeArtsSimulator.start({ clock });
  sim.addUser(USER);
  sim.addAccessKey(AK, SK);
  c = client({ type: 'token', token: sim.issueToken() });
});
afterEach(() => {
  sim.clearFaults();
  sim.rateLimitPerMinute = null;
});
afterAll(() => sim.stop());

const ALL: ListApplicationsOptions = { page: 1, size: 100 };

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

const project = (appNames: string[]) => {
  const { projectId } = sim.createProject();
  const tasks = appNames.map((name) => sim.createTask({ name, projectId, steps: 1 }));
  return { projectId, tasks };
};

const names = (page: { apps: Array<{ name: string }> }) => page.apps.map((a) => a.name);

describe('CodeArtsClient.listApplications', () => {
  it('resolves with the page as domain values: IDs, tasks, state, release and UTC times', async () => {
    const { projectId, tasks } = project(['never', 'ran']);
    const ran = tasks[1];
    const startedAt = clock.now();
    sim.startRun(ran?.taskId ?? '', { pendingMs: 0 });
    clock.advance(11_000);
    const page = await c.listApplications(projectId, { ...ALL, sortName: 'name', sortBy: 'ASC' });
    expect(page).toEqual({
      total: 2,
      apps: [
        {
          appId: tasks[0]?.appId,
          name: 'never',
          taskIds: [tasks[0]?.taskId],
          executionState: 'not_executed',
          releaseId: 0,
          executionTime: null,
          endTime: null,
        },
        {
          appId: ran?.appId,
          name: 'ran',
          taskIds: [ran?.taskId],
          executionState: 'succeeded',
          releaseId: 1,
          executionTime: new Date(Math.floor(startedAt / 1000) * 1000).toISOString(),
          endTime: new Date(Math.floor((startedAt + 10_000) / 1000) * 1000).toISOString(),
        },
      ],
    });
  });

  it('sends paging, ordering and the states filter as asked', async () => {
    const { projectId, tasks } = project(['c', 'a', 'b', 'd']);
    sim.startRun(tasks[3]?.taskId ?? '', { pendingMs: 0, outcome: 'failed' });
    clock.advance(11_000);
    sim.startRun(tasks[2]?.taskId ?? '', { pendingMs: 0 });
    expect(
      names(await c.listApplications(projectId, { page: 2, size: 2, sortName: 'name', sortBy: 'ASC' })),
    ).toEqual(['c', 'd']);
    expect(names(await c.listApplications(projectId, { ...ALL, sortName: 'name', sortBy: 'DESC' }))).toEqual([
      'd',
      'c',
      'b',
      'a',
    ]);
    // a and c never ran: they tie as oldest, newer application first in DESC.
    expect(
      names(await c.listApplications(projectId, { ...ALL, sortName: 'startTime', sortBy: 'DESC' })),
    ).toEqual(['b', 'd', 'a', 'c']);
    const active = await c.listApplications(projectId, {
      ...ALL,
      states: ['running', 'failed'],
      sortName: 'name',
    });
    expect(active.total).toBe(2);
    expect(active.apps.map((a) => [a.name, a.executionState])).toEqual([
      ['d', 'failed'],
      ['b', 'running'],
    ]);
    expect((await c.listApplications(projectId, { ...ALL, states: [] })).total).toBe(4);
    clock.advance(11_000);
  });

  it('works with AK/SK signing (the body is signed) and with password auth, renewing a refused token once', async () => {
    const { projectId } = project(['signed']);
    const signed = client({ type: 'aksk', accessKey: AK, secretKey: SK });
    expect(names(await signed.listApplications(projectId, ALL))).toEqual(['signed']);
    expect(sim.requests.at(-1)).toMatchObject({ auth: 'aksk', status: 200 });

    const password = client({
      type: 'password',
      domainName: USER.domain,
      userName: USER.name,
      password: USER.password,
    });
    await password.listApplications(projectId, ALL);
    sim.inject({
      kind: 'unauthorized',
      projectId,
      message: 'Incorrect IAM authentication information: decrypt token fail',
    });
    const calls = track();
    expect(names(await password.listApplications(projectId, ALL))).toEqual(['signed']);
    expect(calls()).toEqual([
      'POST /v1/applications/list 401',
      'POST /v3/auth/tokens 201',
      'POST /v1/applications/list 200',
    ]);
  });

  it('refuses options CodeArts would refuse without sending anything', async () => {
    const { projectId } = project(['x']);
    const calls = track();
    const bad: Array<[string, ListApplicationsOptions]> = [
      [projectId, { page: 0, size: 10 }],
      [projectId, { page: 1.5, size: 10 }],
      [projectId, { page: 1, size: 0 }],
      [projectId, { page: 1, size: 101 }],
      [projectId, { page: 1, size: 10, sortName: 'created' as never }],
      [projectId, { page: 1, size: 10, sortBy: 'asc' as never }],
      [projectId, { page: 1, size: 10, states: ['finished' as never] }],
      ['not-a-project', ALL],
      [`${projectId}/../x`, ALL],
    ];
    for (const [id, options] of bad) {
      const error = await failure(c.listApplications(id, options));
      expect(error.kind, JSON.stringify(options)).toBe('bad-request');
      expect(error.status).toBeUndefined();
    }
    expect(calls()).toEqual([]);
  });

  it("maps an unknown project (404 Deploy.00016902) to 'bad-request' and a throttled call to 'throttled'", async () => {
    expect(await failure(c.listApplications('f'.repeat(32), ALL))).toMatchObject({
      kind: 'bad-request',
      status: 404,
      code: 'Deploy.00016902',
      transient: false,
    });
    const { projectId } = project(['t']);
    sim.inject({ kind: 'throttle', projectId });
    expect(await failure(c.listApplications(projectId, ALL))).toMatchObject({
      kind: 'throttled',
      code: 'APIG.0308',
      retryAfterMs: 3000,
    });
  });

  it("maps a refused feed (403 APIG.0302) and one not served there (404 APIG.0101) to 'bad-request', per project", async () => {
    const refused = project(['r']);
    const fine = project(['f']);
    sim.inject({ kind: 'refused', projectId: refused.projectId, count: 'always' });
    expect(await failure(c.listApplications(refused.projectId, ALL))).toMatchObject({
      kind: 'bad-request',
      status: 403,
      code: 'APIG.0302',
    });
    expect(names(await c.listApplications(fine.projectId, ALL))).toEqual(['f']);
    sim.clearFaults();
    sim.inject({ kind: 'refused', code: 'APIG.0101', projectId: fine.projectId });
    expect(await failure(c.listApplications(fine.projectId, ALL))).toMatchObject({
      kind: 'bad-request',
      status: 404,
      code: 'APIG.0101',
    });
  });

  it("maps a feed slower than the client timeout to 'timeout'", async () => {
    const { projectId } = project(['slow']);
    sim.inject({ kind: 'slow', delayMs: 30_000, projectId });
    const error = await failure(
      client({ type: 'token', token: sim.issueToken() }, { timeoutMs: 100 }).listApplications(projectId, ALL),
    );
    expect(error).toMatchObject({ kind: 'timeout', transient: true });
  });

  it('passes a stale or incomplete listing on as CodeArts gave it (the planner must not trust it alone)', async () => {
    const { projectId, tasks } = project(['p', 'q']);
    clock.advance(300_000);
    sim.startRun(tasks[0]?.taskId ?? '', { pendingMs: 0 });
    clock.advance(60_000);
    sim.inject({ kind: 'stale', seconds: 120, projectId });
    const stale = await c.listApplications(projectId, { ...ALL, sortName: 'name', sortBy: 'ASC' });
    expect(stale.apps.map((a) => [a.name, a.executionState, a.releaseId])).toEqual([
      ['p', 'not_executed', 0],
      ['q', 'not_executed', 0],
    ]);
    sim.inject({ kind: 'omit-app', appId: tasks[1]?.appId ?? '' });
    const partial = await c.listApplications(projectId, ALL);
    expect(partial.total).toBe(2);
    expect(names(partial)).toEqual(['p']);
    expect((await c.listApplications(projectId, ALL)).apps[0]).toMatchObject({
      name: 'q',
      executionState: 'not_executed',
    });
  });

  it("maps malformed and wrongly shaped bodies to 'bad-response', naming what was wrong", async () => {
    const { projectId, tasks } = project(['m']);
    sim.inject({ kind: 'malformed-json', projectId });
    expect(await failure(c.listApplications(projectId, ALL))).toMatchObject({
      kind: 'bad-response',
      status: 200,
      transient: true,
    });
    const shapes: Array<[unknown, string]> = [
      [{ status: 'success', result: { apps: [] } }, 'result'],
      [{ result: [] }, 'total_num'],
      [{ total_num: 1, result: [{ id: 'short', arrange_infos: [] }] }, 'result[0].id'],
      [
        { total_num: 1, result: [{ id: tasks[0]?.appId, arrange_infos: [{ id: 'x' }] }] },
        'arrange_infos[0].id',
      ],
      [[{ id: tasks[0]?.appId }], 'not a JSON object'],
    ];
    for (const [body, field] of shapes) {
      sim.inject({ kind: 'wrong-shape', projectId, body });
      const error = await failure(c.listApplications(projectId, ALL));
      expect(error.kind, JSON.stringify(body)).toBe('bad-response');
      expect(error.message).toContain(field);
      expect(error.requestId).toBe(sim.requests.at(-1)?.requestId);
    }
    sim.inject({ kind: 'html', status: 502, projectId });
    expect((await failure(c.listApplications(projectId, ALL))).kind).toBe('server');
    sim.inject({
      kind: 'wrong-shape',
      projectId,
      body: { status: 'error', error_code: 'APIG.0308', error_msg: 'throttled in a 200' },
    });
    expect((await failure(c.listApplications(projectId, ALL))).kind).toBe('throttled');
  });

  it('asks the region named, through an endpoint template', async () => {
    const templated = client({ type: 'token', token: sim.issueToken() }, { endpoint: `${sim.url}/{region}` });
    const error = await failure(templated.listApplications(sim.projectId, { ...ALL, region: 'cn-east-3' }));
    expect(error).toMatchObject({ kind: 'bad-request', status: 404, code: 'APIG.0101' });
    expect(sim.requests.at(-1)?.path).toBe('/cn-east-3/v1/applications/list');
  });

  it('reads times in the configured zone, and refuses an invalid zone at construction', async () => {
    const { projectId, tasks } = project(['zoned']);
    const startedAt = clock.now();
    sim.startRun(tasks[0]?.taskId ?? '', { pendingMs: 0 });
    const utc = client({ type: 'token', token: sim.issueToken() }, { timeZone: 'Z' });
    const [app] = (await utc.listApplications(projectId, ALL)).apps;
    // The simulator writes UTC+8 wall-clock time; read as UTC it is eight hours later.
    expect(Date.parse(app?.executionTime ?? '')).toBe(Math.floor(startedAt / 1000) * 1000 + 8 * 3_600_000);
    expect(() => client({ type: 'token', token: 't' }, { timeZone: 'Asia/Shanghai' })).toThrow(CodeArtsError);
    clock.advance(11_000);
  });
});
