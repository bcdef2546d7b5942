// Bad input from CodeArts: fuzzed /state answers (fast-check), served by the simulator's wrong-shape fault.
// Each must be refused as a failed poll: no cycle crashes, the stored snapshot and outbox stay as they were, and
// the runs are still reported in full once the answers are good again. (Fuzzed API and slash-command requests are
// covered by test/unit/api/fuzz.test.ts and the API integration tests.)
import fc from 'fast-check';
import type { TaskRecord } from '../../../functions/core/model.js';
import { type Figures, Fleet } from '../support/fleet.js';

type Json = unknown;

/** The `/state` answer CodeArts would give now, as it comes over the wire (the fuzz breaks it from there). */
async function stateResult(simulatorUrl: string, token: string, taskId: string): Promise<Result> {
  const response = await fetch(`${simulatorUrl}/v2/tasks/${taskId}/state?step_state=true`, {
    headers: { 'X-Auth-Token': token },
  });
  return ((await response.json()) as { result: Result }).result;
}
type Result = Record<string, Json>;

/** How a good answer is broken; applied to the answer CodeArts would give at that moment. */
type Breakage = (good: Result) => Json;

const notAnId = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.integer(),
  fc.boolean(),
  fc.string({ maxLength: 40 }).filter((s) => !/^[A-Za-z0-9]{32}$/.test(s)),
  fc.stringMatching(/^[0-9a-f]{31}[^A-Za-z0-9]$/),
);
const notAnObject = fc.oneof(
  fc.array(fc.jsonValue(), { maxLength: 3 }),
  fc.string({ maxLength: 30 }),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
);
const hexId = fc.stringMatching(/^[0-9a-f]{32}$/);
const without = (object: Result, key: string): Result => {
  const { [key]: _dropped, ...rest } = object;
  return rest;
};
const wrapped = (result: Json): Json => ({ status: 'success', result });

/** Every kind of /state answer the poller must refuse. */
const breakage: fc.Arbitrary<{ kind: string; status: number; breakage: Breakage }> = fc
  .oneof(
    notAnObject.map((body) => ({ kind: 'not an object', breakage: () => body })),
    fc
      .jsonValue()
      .filter((v) => v !== 'success')
      .map((status) => ({
        kind: 'status is not success',
        breakage: (good: Result) => ({ status, result: good }),
      })),
    notAnObject.map((result) => ({ kind: 'result is not an object', breakage: () => wrapped(result) })),
    fc.tuple(fc.constantFrom('record_id', 'task_id'), notAnId).map(([key, value]) => ({
      kind: `bad ${key}`,
      breakage: (good: Result) =>
        wrapped(value === undefined ? without(good, key) : { ...good, [key]: value }),
    })),
    fc
      .oneof(
        fc.dictionary(fc.string({ maxLength: 5 }), fc.jsonValue(), { maxKeys: 3 }),
        fc.string(),
        fc.integer(),
      )
      .map((steps) => ({
        kind: 'step_state is not an array',
        breakage: (good: Result) => wrapped({ ...good, step_state: steps }),
      })),
    fc
      .tuple(
        fc.nat(),
        notAnObject.filter((v) => v !== null),
      )
      .map(([at, item]) => ({
        kind: 'a step is not an object',
        breakage: (good: Result) => {
          const steps = Array.isArray(good.step_state) ? [...good.step_state] : [];
          steps.splice(at % (steps.length + 1), 0, item);
          return wrapped({ ...good, step_state: steps });
        },
      })),
    fc.tuple(hexId, fc.boolean()).map(([other, sameRecord]) => ({
      kind: "another task's run",
      breakage: (good: Result) =>
        wrapped({
          ...good,
          task_id: other,
          ...(sameRecord ? {} : { record_id: other.split('').reverse().join('') }),
        }),
    })),
    fc
      .tuple(
        fc
          .stringMatching(/^(APIG|Deploy|DEV)\.[0-9]{4,8}$/)
          .filter((c) => c !== 'Deploy.00011020' && c !== 'Deploy.00011303'),
        fc.string({ maxLength: 40 }),
      )
      .map(([code, message]) => ({
        kind: 'an error body',
        breakage: () => ({ error_code: code, error_msg: message }),
      })),
    fc.constant({
      kind: 'own __proto__ key',
      breakage: (good: Result) => JSON.parse(`{"__proto__":${JSON.stringify(wrapped(good))}}`) as Json,
    }),
  )
  .chain((b) => fc.constantFrom(200, 200, 200, 201, 404, 500).map((status) => ({ ...b, status })));

const snapshot = (record: TaskRecord | null) =>
  record && {
    run: record.run,
    outbox: record.outbox,
    lastSeq: record.lastSeq,
    subscriptions: record.subscriptions,
  };

export async function fuzzedStateAnswers(): Promise<
  Figures & { answers: number; kinds: Record<string, number> }
> {
  const fleet = await Fleet.start({ seed: 61, tasks: 3, runsPerTask: 5, minVisibleMs: 40_000 });
  const { rig } = fleet;
  const kinds: Record<string, number> = {};
  let answers = 0;
  try {
    await fleet.play({ minCycles: 4, maxCycles: 4 });
    await fc.assert(
      fc.asyncProperty(breakage, async ({ kind, status, breakage: broken }) => {
        const target = fleet.tasks[answers % fleet.tasks.length]!.taskId;
        answers++;
        kinds[kind] = (kinds[kind] ?? 0) + 1;
        // Time moves on a little each time, so a good answer would show changes a bad one must not make.
        rig.clock.advance(2_000);
        const good = await stateResult(rig.sim.url, rig.token, target);
        const before = snapshot(await rig.store.getTask(target));
        rig.sim.inject({ kind: 'wrong-shape', status, body: broken(good), taskId: target });
        const outcome = await fleet.tickNow();
        const after = snapshot(await rig.store.getTask(target));
        return (
          outcome.error === undefined &&
          !outcome.crashed &&
          outcome.report?.worker.taskErrors === 0 &&
          outcome.report.worker.codeartsFailures === 1 &&
          JSON.stringify(after) === JSON.stringify(before)
        );
      }),
      { seed: 61, numRuns: 60, endOnFailure: true },
    );
    rig.sim.clearFaults();
    const recovery = await fleet.recover();
    await fleet.play();
    await fleet.settle();
    return { ...fleet.figures('Bad input: fuzzed /state answers', recovery), answers, kinds };
  } finally {
    await fleet.stop();
  }
}
