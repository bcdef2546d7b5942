// The duration model: what is learned from a run, how a step is matched (ID, then name), the median, the bounds,
// and the expected end of a running run.
import { describe, expect, it } from 'vitest';
import {
  type DurationModel,
  emptyDurationModel,
  expectedEndMs,
  learnRun,
  matchSteps,
  median,
  RUNS_REMEMBERED,
  STEPS_REMEMBERED,
  usualSeconds,
} from '../../../functions/core/insight/durations.js';
import type { StepState } from '../../../functions/core/model.js';
import { aRun, aStep } from '../../support/builders.js';

const done = (index: number, elapsed: number | null, over: Partial<StepState> = {}) =>
  aStep(index, { progress: 'done', elapsed, ...over });

const finished = (steps: StepState[]) => aRun({ status: 'succeeded', steps });

const learnAll = (runs: StepState[][]): DurationModel =>
  runs.reduce((model, steps) => learnRun(model, finished(steps)), emptyDurationModel());

describe('median', () => {
  it.each([
    [[], null],
    [[7], 7],
    [[3, 1, 2], 2],
    [[4, 1, 3, 2], 2.5],
    [[10, 10, 600], 10],
  ])('median(%j) = %j', (values, expected) => {
    expect(median(values)).toBe(expected);
  });
});

describe('learning step durations', () => {
  it.each<{
    name: string;
    runs: StepState[][];
    steps: Pick<StepState, 'id' | 'name'>[];
    usual: (number | null)[];
  }>([
    {
      name: 'no history: nothing is usual',
      runs: [],
      steps: [{ id: '1', name: 'Build' }],
      usual: [null],
    },
    {
      name: 'one run: its own times',
      runs: [[done(0, 4), done(1, 30)]],
      steps: [
        { id: '1', name: 'Step 1' },
        { id: '2', name: 'Step 2' },
      ],
      usual: [4, 30],
    },
    {
      name: 'the median of several runs, not the mean',
      runs: [[done(0, 4)], [done(0, 5)], [done(0, 600)]],
      steps: [{ id: '1', name: 'Step 1' }],
      usual: [5],
    },
    {
      name: 'matched by ID although renamed',
      runs: [[done(0, 10, { id: '7', name: 'Old name' })], [done(0, 20, { id: '7', name: 'New name' })]],
      steps: [{ id: '7', name: 'Newer name' }],
      usual: [15],
    },
    {
      name: 'matched by name when the ID changed',
      runs: [[done(0, 10, { id: 'a', name: 'Install' })], [done(0, 20, { id: 'b', name: 'Install' })]],
      steps: [{ id: 'c', name: 'Install' }],
      usual: [15],
    },
    {
      name: 'matched by name when CodeArts gives no IDs, position does not matter',
      runs: [[done(0, 8, { id: '', name: 'Deploy' }), done(1, 2, { id: '', name: 'Check' })]],
      steps: [
        { id: '', name: 'Check' },
        { id: '', name: 'Deploy' },
      ],
      usual: [2, 8],
    },
    {
      name: 'two steps of the same name keep their own histories',
      runs: [[done(0, 3, { id: '', name: 'Wait' }), done(1, 90, { id: '', name: 'Wait' })]],
      steps: [
        { id: '', name: 'Wait' },
        { id: '', name: 'Wait' },
      ],
      usual: [3, 90],
    },
    {
      name: 'a new step has no usual time beside known ones',
      runs: [[done(0, 5)]],
      steps: [
        { id: '1', name: 'Step 1' },
        { id: '9', name: 'Brand new' },
      ],
      usual: [5, null],
    },
    {
      name: 'failed, running, skipped and unreadable steps teach nothing',
      runs: [
        [
          aStep(0, { progress: 'failed', elapsed: 99 }),
          aStep(1, { progress: 'skipped', elapsed: 0 }),
          done(2, null),
          done(3, -4),
          done(4, Number.NaN),
          done(5, 30 * 86_400),
        ],
      ],
      steps: [0, 1, 2, 3, 4, 5].map((i) => ({ id: String(i + 1), name: `Step ${i + 1}` })),
      usual: [null, null, null, null, null, null],
    },
  ])('$name', ({ runs, steps, usual }) => {
    expect(usualSeconds(learnAll(runs), steps)).toEqual(usual);
  });

  it(`keeps the last ${RUNS_REMEMBERED} runs of a step, so a task that got slower is followed`, () => {
    const runs = [
      ...Array.from({ length: 30 }, () => [done(0, 10)]),
      ...Array.from({ length: RUNS_REMEMBERED }, () => [done(0, 100)]),
    ];
    const model = learnAll(runs);
    expect(model.steps[0]?.seconds).toHaveLength(RUNS_REMEMBERED);
    expect(usualSeconds(model, [{ id: '1', name: 'Step 1' }])).toEqual([100]);
    expect(model.runs).toBe(50);
  });

  it(`keeps at most ${STEPS_REMEMBERED} steps, dropping those not seen for longest`, () => {
    const step = (i: number) => done(i, 1, { id: `old${i}`, name: `old ${i}` });
    const oldest = [step(0)];
    const many = Array.from({ length: STEPS_REMEMBERED - 1 }, (_, i) => step(i + 1));
    const later = [done(0, 5, { id: 'new', name: 'new' }), done(1, 1, { id: 'old1', name: 'old 1' })];
    const model = learnAll([oldest, many, later]);
    expect(model.steps).toHaveLength(STEPS_REMEMBERED);
    const ids = model.steps.map((s) => s.id);
    expect(ids).toContain('new');
    expect(ids).toContain('old1');
    expect(ids).not.toContain('old0');
  });

  it('a run without a usable step leaves the model as it was', () => {
    const model = learnAll([[done(0, 5)]]);
    expect(learnRun(model, finished([aStep(0, { progress: 'failed', elapsed: 3 })]))).toBe(model);
  });

  it('matching takes IDs before names, each entry once', () => {
    const history = [
      { id: 'x', name: 'A', seconds: [1], seenAt: 1 },
      { id: 'y', name: 'B', seconds: [2], seenAt: 1 },
    ];
    // The second step is named A but carries B's ID: the ID wins, and the first gets A by name.
    expect(
      matchSteps(history, [
        { id: 'z', name: 'A' },
        { id: 'y', name: 'A' },
      ]),
    ).toEqual([0, 1]);
  });
});

describe('expected end of a running run', () => {
  const NOW = Date.parse('2026-11-28T10:05:00.000Z');
  const running = (steps: StepState[]) => aRun({ status: 'running', steps });

  it.each<{
    name: string;
    steps: StepState[];
    usual: (number | null)[];
    ranFor: number;
    endsIn: number | null;
  }>([
    {
      name: 'the current step’s rest plus every step to come',
      steps: [done(0, 4), aStep(1, { progress: 'running' }), aStep(2)],
      usual: [4, 60, 30],
      ranFor: 20,
      endsIn: 40 + 30,
    },
    {
      name: 'a current step already past its usual time adds nothing more',
      steps: [aStep(0, { progress: 'running' }), aStep(1)],
      usual: [60, 30],
      ranFor: 200,
      endsIn: 30,
    },
    {
      name: 'skipped steps take no time',
      steps: [aStep(0, { progress: 'running' }), aStep(1, { progress: 'skipped', enabled: false }), aStep(2)],
      usual: [10, null, 5],
      ranFor: 0,
      endsIn: 15,
    },
    {
      name: 'a step to come without history: no estimate',
      steps: [aStep(0, { progress: 'running' }), aStep(1)],
      usual: [10, null],
      ranFor: 0,
      endsIn: null,
    },
    {
      name: 'the current step without history: no estimate',
      steps: [aStep(0, { progress: 'running' }), aStep(1)],
      usual: [null, 10],
      ranFor: 0,
      endsIn: null,
    },
  ])('$name', ({ steps, usual, ranFor, endsIn }) => {
    const end = expectedEndMs(running(steps), usual, ranFor, NOW);
    expect(end === null ? null : (end - NOW) / 1000).toBe(endsIn);
  });

  it('only a running run has an expected end', () => {
    expect(expectedEndMs(aRun({ status: 'succeeded', steps: [done(0, 1)] }), [1], 0, NOW)).toBeNull();
    expect(expectedEndMs(aRun({ status: 'pending', steps: [aStep(0)] }), [1], 0, NOW)).toBeNull();
    expect(expectedEndMs(aRun({ status: 'running', steps: null }), [], 0, NOW)).toBeNull();
  });
});
