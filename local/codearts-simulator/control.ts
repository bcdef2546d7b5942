// local/codearts-simulator → the `/_sim/` control API: the programmatic API over HTTP, so a running
// simulator can be driven with curl (projects, tasks, runs, permissions, faults, the clock). Every route
// is listed in README.md beside this file.
import { ManualClock } from './clock.js';
import { SimHttpError } from './errors.js';
import type { Fault } from './faults.js';
import type { CodeArtsSimulator, Reply } from './simulator.js';
import type { RunScript } from './timeline.js';
import type { SimParam, TaskSpec } from './world.js';

const fail = (status: number, message: string): SimHttpError =>
  new SimHttpError({ status, body: { error: { code: 'SIM', message } } });

const object = (body: Buffer): Record<string, unknown> => {
  if (body.length === 0) return {};
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    throw fail(400, 'body is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw fail(400, 'body must be an object');
  return value as Record<string, unknown>;
};

/** Runs `fn`, turning programmer-facing exceptions (bad spec, unknown ID) into 400s. */
const attempt = <T>(fn: () => T): T => {
  try {
    return fn();
  } catch (error) {
    if (error instanceof SimHttpError) throw error;
    throw fail(400, error instanceof Error ? error.message : String(error));
  }
};

type Handler = (sim: CodeArtsSimulator, ids: string[], raw: Buffer) => Reply;

const HEX = '([0-9a-f]{32})';

const ROUTES: Array<[string, RegExp, Handler]> = [
  [
    'GET',
    /^state$/,
    (sim) => ({
      status: 200,
      body: {
        url: sim.url,
        region: sim.region,
        projectId: sim.projectId,
        projects: sim.projects(),
        now: new Date(sim.clock.now()).toISOString(),
        tasks: sim.tasks().map((t) => ({ ...t, runs: sim.runs(t.id) })),
        faults: sim.faults(),
        requests: sim.requests.length,
      },
    }),
  ],
  ['GET', /^requests$/, (sim) => ({ status: 200, body: sim.requests.slice(-200) })],
  ['POST', /^tasks$/, (sim, _, raw) => ({ status: 201, body: sim.createTask(object(raw) as TaskSpec) })],
  [
    'POST',
    /^projects$/,
    (sim, _, raw) => {
      const { applications, ...spec } = object(raw);
      const { projectId } = sim.createProject(spec as { id?: string; name?: string });
      const tasks = applications === undefined ? [] : sim.createTasks(Number(applications), { projectId });
      return { status: 201, body: { projectId, tasks } };
    },
  ],
  ['GET', /^projects$/, (sim) => ({ status: 200, body: { projects: sim.projects() } })],
  [
    'POST',
    new RegExp(`^projects/${HEX}/tasks$`),
    (sim, [projectId = ''], raw) => {
      const { count, ...spec } = object(raw);
      return { status: 201, body: { tasks: sim.createTasks(Number(count ?? 1), { ...spec, projectId }) } };
    },
  ],
  [
    'PUT',
    new RegExp(`^tasks/${HEX}/permissions$`),
    (sim, [taskId = ''], raw) => {
      sim.setPermission(taskId, object(raw) as { canExecute: boolean });
      return { status: 204 };
    },
  ],
  [
    'PUT',
    new RegExp(`^tasks/${HEX}/next-run$`),
    (sim, [taskId = ''], raw) => {
      sim.scriptNextRun(taskId, object(raw) as RunScript);
      return { status: 204 };
    },
  ],
  [
    'DELETE',
    new RegExp(`^tasks/${HEX}$`),
    (sim, [taskId = '']) => {
      sim.deleteTask(taskId);
      return { status: 204 };
    },
  ],
  [
    'POST',
    new RegExp(`^tasks/${HEX}/runs$`),
    (sim, [taskId = ''], raw) => {
      const { params, ...script } = object(raw);
      return {
        status: 201,
        body: sim.startRun(
          taskId,
          script as RunScript,
          params === undefined ? {} : { params: params as SimParam[] },
        ),
      };
    },
  ],
  [
    'POST',
    new RegExp(`^tasks/${HEX}/runs/${HEX}/stop$`),
    (sim, [taskId = '', recordId = '']) => {
      sim.stopRun(taskId, recordId);
      return { status: 204 };
    },
  ],
  [
    'DELETE',
    new RegExp(`^tasks/${HEX}/runs/${HEX}$`),
    (sim, [taskId = '', recordId = '']) => {
      sim.deleteRecord(taskId, recordId);
      return { status: 204 };
    },
  ],
  [
    'POST',
    new RegExp(`^tasks/${HEX}/auto-deploy$`),
    (sim, [taskId = ''], raw) => {
      const body = object(raw);
      sim.autoDeploy(taskId, { everyMs: Number(body.everyMs), failEvery: Number(body.failEvery ?? 0) });
      return { status: 204 };
    },
  ],
  [
    'POST',
    /^faults$/,
    (sim, _, raw) => {
      sim.inject(object(raw) as unknown as Fault);
      return { status: 201, body: { faults: sim.faults() } };
    },
  ],
  ['GET', /^faults$/, (sim) => ({ status: 200, body: { faults: sim.faults() } })],
  [
    'DELETE',
    /^faults$/,
    (sim) => {
      sim.clearFaults();
      return { status: 204 };
    },
  ],
  ['POST', /^tokens$/, (sim) => ({ status: 201, body: { token: sim.issueToken() } })],
  [
    'POST',
    /^users$/,
    (sim, _, raw) => {
      const body = object(raw);
      sim.addUser({ domain: String(body.domain), name: String(body.name), password: String(body.password) });
      return { status: 204 };
    },
  ],
  [
    'POST',
    /^access-keys$/,
    (sim, _, raw) => {
      const body = object(raw);
      sim.addAccessKey(String(body.accessKey), String(body.secretKey));
      return { status: 204 };
    },
  ],
  [
    'POST',
    /^clock$/,
    (sim, _, raw) => {
      const clock = sim.clock;
      if (!(clock instanceof ManualClock)) throw fail(409, 'the clock is not a ManualClock');
      const body = object(raw);
      if (typeof body.setMs === 'number') clock.set(body.setMs);
      if (typeof body.advanceMs === 'number') clock.advance(body.advanceMs);
      return { status: 200, body: { now: clock.now() } };
    },
  ],
];

export const handleControl = (sim: CodeArtsSimulator, method: string, path: string, raw: Buffer): Reply => {
  const rest = path.slice('/_sim/'.length);
  for (const [routeMethod, pattern, handler] of ROUTES) {
    const m = routeMethod === method ? pattern.exec(rest) : null;
    if (m) return attempt(() => handler(sim, m.slice(1), raw));
  }
  throw fail(404, `no control route ${method} ${path}`);
};
