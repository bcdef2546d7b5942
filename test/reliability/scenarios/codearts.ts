// CodeArts faults: expiring tokens, throttling, 5xx, hangs, HTML and malformed bodies, a task deleted while
// watched, a run record that disappears.
import { type Figures, Fleet, runScenario } from '../support/fleet.js';

/** IAM password auth: every token expires mid-run, again and again; one is refused outright (401 APIG.0301). */
export async function codeartsExpiredTokens(): Promise<
  Figures & { iamLogins: number; pollFailures: number }
> {
  const fleet = await Fleet.start({ seed: 21, rig: { auth: 'password' } });
  let pollFailures = 0;
  const figures = await runScenario(fleet, 'CodeArts tokens expire mid-run (password auth)', async (f) => {
    await f.play({
      before: (i) => {
        if (i % 2 === 1) {
          f.rig.sim.expireTokens();
          f.extraFaults++;
        }
        if (i % 5 === 3) f.rig.sim.inject({ kind: 'unauthorized' });
      },
    });
    pollFailures = f.outcomes.reduce((n, o) => n + (o.report?.worker.codeartsFailures ?? 0), 0);
    return f.recover();
  });
  const iamLogins = fleet.rig.sim.requests.filter((r) => r.path === '/v3/auth/tokens').length;
  return { ...figures, iamLogins, pollFailures };
}

/** 429 APIG.0308, with and without Retry-After, on most polls for a while. */
export async function codeartsThrottled(): Promise<Figures & { throttled: number; waited: number }> {
  const fleet = await Fleet.start({ seed: 22, minVisibleMs: 60_000 });
  const figures = await runScenario(fleet, 'CodeArts 429 APIG.0308', async () => {
    const { sim } = fleet.rig;
    await fleet.play({
      minCycles: 14,
      maxCycles: 14,
      before: (i) => {
        if (i < 2) return;
        sim.inject({ kind: 'throttle', count: 3 });
        sim.inject({ kind: 'throttle', retryAfterSeconds: 2, count: 2 });
        if (i % 4 === 0) sim.inject({ kind: 'throttle', taskId: fleet.tasks[0]!.taskId, count: 'always' });
        if (i % 4 === 1) sim.clearFaults();
      },
    });
    sim.clearFaults();
    return fleet.recover();
  });
  const reports = fleet.outcomes.flatMap((o) => (o.report ? [o.report] : []));
  return {
    ...figures,
    throttled: reports.reduce((n, r) => n + (r.worker.codeartsThrottled ?? 0), 0),
    // Polls put back on the queue to wait out the fleet's pause instead of calling CodeArts into it.
    waited: reports.reduce((n, r) => n + (r.worker.pollsRequeued ?? 0), 0),
  };
}

/** A CodeArts outage (5xx) long enough for the living messages to say "monitoring stale", then recovery. */
export async function codeartsServerErrors(): Promise<Figures & { staleShown: number; staleLeft: number }> {
  // Five failed polls in a row: stale after three. A run must outlast the outage to be seen at all.
  const fleet = await Fleet.start({ seed: 23, minVisibleMs: 80_000 });
  const figures = await runScenario(fleet, 'CodeArts 5xx outage (stale, then recovered)', async () => {
    const { sim } = fleet.rig;
    await fleet.play({
      minCycles: 9,
      maxCycles: 9,
      before: (i) => {
        if (i === 4) {
          sim.inject({ kind: 'server-error', status: 500, count: 'always' });
          sim.inject({ kind: 'server-error', status: 503, code: 'APIG.0203', count: 'always' });
        }
      },
    });
    sim.clearFaults();
    return fleet.recover();
  });
  const living = fleet.rig.slack.messages().filter((m) => m.metadata?.event_type === 'codearts_run');
  const stale = (text: string) => text.includes('stale since');
  return {
    ...figures,
    staleShown: living.filter((m) => m.edits.some((e) => stale(e.text))).length,
    staleLeft: living.filter((m) => stale(m.text)).length,
  };
}

/** Calls that hang past the client timeout, for several cycles. */
export async function codeartsHangs(): Promise<Figures> {
  const fleet = await Fleet.start({ seed: 24, minVisibleMs: 60_000 });
  return runScenario(fleet, 'CodeArts hangs past the timeout', async () => {
    const { sim } = fleet.rig;
    await fleet.play({
      minCycles: 10,
      maxCycles: 10,
      before: (i) => {
        if (i < 2 || i >= 8) return;
        // Two tasks a cycle, in rotation: each waits out one timeout after another for two cycles.
        for (const t of [i % 4, (i + 1) % 4]) {
          const taskId = fleet.tasks[t]!.taskId;
          sim.inject(i === 5 ? { kind: 'hang', afterMs: 600, taskId } : { kind: 'hang', taskId });
        }
      },
    });
    sim.clearFaults();
    return fleet.recover();
  });
}

/** HTML error pages, truncated JSON and JSON of the wrong shape instead of /state answers. */
export async function codeartsBadBodies(): Promise<Figures> {
  const fleet = await Fleet.start({ seed: 25, minVisibleMs: 50_000 });
  return runScenario(fleet, 'CodeArts HTML and malformed bodies', async () => {
    const { sim } = fleet.rig;
    const kinds = [
      { kind: 'html' },
      { kind: 'html', status: 200 },
      { kind: 'malformed-json' },
      { kind: 'wrong-shape' },
      { kind: 'malformed-json', status: 502 },
    ] as const;
    await fleet.play({
      minCycles: 12,
      maxCycles: 12,
      before: (i) => {
        if (i < 2) return;
        for (const [n, t] of [i % 4, (i + 1) % 4].entries()) {
          sim.inject({ ...kinds[(i + n) % kinds.length]!, taskId: fleet.tasks[t]!.taskId });
        }
      },
    });
    sim.clearFaults();
    return fleet.recover();
  });
}

/** A task is deleted in CodeArts while a run of it is in progress and watched in two channels. */
export async function codeartsTaskDeleted(): Promise<{
  figures: Figures;
  gone: boolean;
  notices: number[];
  failedCycles: number;
}> {
  const fleet = await Fleet.start({ seed: 26 });
  const doomed = fleet.tasks[2]!.taskId;
  let gone = false;
  const figures = await runScenario(fleet, 'CodeArts task deleted while watched', async (f) => {
    let seen = 0;
    await f.play({
      before: () => {
        if (f.deletedTasks.size > 0) return;
        const running = f.rig.sim
          .runs(doomed)
          .find((r) => !r.finished && r.steps.some((s) => s.outcome === 'done'));
        // Deleted once the poller has seen the run going (two polls of it), mid-run.
        if (running) seen++;
        if (seen === 2) f.deleteTask(doomed);
      },
    });
    const recovery = await f.recover();
    gone = (await f.rig.store.getTask(doomed))?.health.gone === true;
    return recovery;
  });
  const notices = fleet.subscriptions
    .filter((s) => s.taskId === doomed)
    .map(
      (s) =>
        fleet.rig.slack
          .messages(s.channel)
          .filter((m) => String(m.metadata?.event_payload.key).startsWith(`${doomed}/notice/`)).length,
    );
  const failedCycles = fleet.outcomes.filter(
    (o) => o.error !== undefined || (o.report?.worker.taskErrors ?? 0) > 0,
  ).length;
  return { figures, gone, notices, failedCycles };
}

/**
 * The record of a running deployment disappears: one mid-way through a task's runs (a later run follows), the
 * last run of another (an older run becomes the latest again), and every run of a third (the latest-run query
 * then finds no run at all). Each such run ends once, as unknown.
 */
export async function codeartsRecordVanishes(): Promise<Figures & { vanished: string[] }> {
  const fleet = await Fleet.start({ seed: 27, runsPerTask: 5 });
  const vanished: string[] = [];
  const figures = await runScenario(fleet, 'CodeArts run record disappears', async () => {
    const [t0, , t2, t3] = fleet.tasks.map((t) => t.taskId);
    const vanishes = (taskId: string, index: number): boolean =>
      (taskId === t0 && index === 2) || (taskId === t3 && index === 4) || taskId === t2;
    // Those runs take their full time (no fast or cancelled ones), so a poll sees them going before they vanish.
    fleet.tasks.forEach((task) => {
      task.plan.forEach((planned, index) => {
        if (vanishes(task.taskId, index))
          Object.assign(planned, { script: { pendingMs: 1_000 }, cancel: false });
      });
    });
    const seen = new Map<string, number>();
    await fleet.play({
      before: () => {
        for (const task of fleet.tasks) {
          const runs = fleet.rig.sim.runs(task.taskId);
          const index = runs.findIndex((r) => !r.finished && !r.deleted);
          const run = runs[index];
          if (!run || !vanishes(task.taskId, index)) continue;
          // Gone at the second tick of its life: the cycle before has seen it going.
          const n = (seen.get(run.recordId) ?? 0) + 1;
          seen.set(run.recordId, n);
          if (n === 2) {
            fleet.vanishRecord(task.taskId);
            vanished.push(`task ${fleet.tasks.indexOf(task)} run ${index}`);
          }
        }
      },
    });
    return fleet.recover();
  });
  return { ...figures, vanished };
}

/**
 * A CodeArts outage (5xx on every call) longer than the runs: tasks deploy several times while no poll succeeds,
 * and runs shorter than the poll interval come and go between polls even without faults. None of those runs is
 * ever the latest at a successful /state poll; the poller finds them in the task's history and reports each in full.
 */
export async function codeartsOutageShorterRuns(): Promise<Figures & { historyCalls: number }> {
  const fleet = await Fleet.start({ seed: 29, minVisibleMs: 0, runsPerTask: 8 });
  const figures = await runScenario(fleet, 'CodeArts outage longer than the runs (history)', async () => {
    const { sim } = fleet.rig;
    await fleet.play({
      minCycles: 14,
      maxCycles: 14,
      before: (i) => {
        if (i === 3) sim.inject({ kind: 'server-error', status: 503, code: 'APIG.0203', count: 'always' });
      },
    });
    sim.clearFaults();
    return fleet.recover();
  });
  const historyCalls = fleet.rig.sim.requests.filter(
    (r) => r.path.endsWith('/history') && r.status === 200,
  ).length;
  return { ...figures, historyCalls };
}
