import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RUN_STATUSES, type RunState, STEP_PROGRESSES } from '../../../functions/core/model.js';
import {
  clipText,
  MalformedStateError,
  NORMALISE_LIMITS,
  normaliseStateResponse,
} from '../../../functions/core/normalise.js';
import { DOC_FINISHED_BODY, DOC_RUNNING_BODY, stringlyStep, withResult } from '../../support/state-bodies.js';
import { TIME_ZONE } from './fixtures.js';

const normalise = (body: unknown): RunState => normaliseStateResponse(body, { timeZone: TIME_ZONE });

const RUNNING_STEPS = DOC_RUNNING_BODY.result.step_state;
const withSteps = (stepState: unknown) => withResult(DOC_RUNNING_BODY, { step_state: stepState });

describe('normaliseStateResponse: documented shapes', () => {
  it('reads the documented finished run without steps', () => {
    expect(normalise(DOC_FINISHED_BODY)).toEqual({
      recordId: '2c82ffe8d00d4968a4e5f7a36d87ae17',
      taskId: 'e700f15965694253940502911220d76b',
      taskName: 'test',
      status: 'succeeded',
      rawStatus: 'succeeded',
      stepsFinished: true,
      startedAt: '2025-07-09T03:36:28.000Z',
      endedAt: '2025-07-09T03:36:43.000Z',
      executor: 'devcloud_test',
      steps: null,
    } satisfies RunState);
  });

  const expectedRunning: RunState = {
    recordId: '5a1f0c3e9b7d4e2fa6c8b1d3e5f70912',
    taskId: 'e700f15965694253940502911220d76b',
    taskName: 'test',
    status: 'running',
    rawStatus: 'running',
    stepsFinished: false,
    startedAt: '2025-07-09T03:36:28.000Z',
    endedAt: null,
    executor: 'devcloud_test',
    steps: [
      {
        index: 0,
        id: '1',
        name: 'Select Deployment Source',
        enabled: true,
        progress: 'done',
        elapsed: 3,
        currentOffset: 2048,
        faqUrl: null,
      },
      {
        index: 1,
        id: '2',
        name: 'Start Spring Boot Service',
        enabled: true,
        progress: 'running',
        elapsed: 12,
        currentOffset: 512,
        faqUrl: null,
      },
    ],
  };

  it.each([
    ['SDK types (numbers, booleans)', DOC_RUNNING_BODY],
    ['documented types (every StepInfo field a string)', withSteps(RUNNING_STEPS.map(stringlyStep))],
    ['a mix of both', withSteps([stringlyStep(RUNNING_STEPS[0]), RUNNING_STEPS[1]])],
  ])('reads the documented running run with %s', (_label, body) => {
    expect(normalise(body)).toEqual(expectedRunning);
  });
});

describe('normaliseStateResponse: tolerance', () => {
  const step = (fields: Record<string, unknown>) => ({ ...RUNNING_STEPS[0], ...fields });
  const firstStep = (body: unknown) => normalise(body).steps?.[0];

  it.each([
    ['true', true],
    ['"true"', 'true'],
    ['"TRUE"', 'TRUE'],
    ['1', 1],
    ['"1"', '1'],
    ['absent', undefined],
    ['garbage', 'maybe'],
    ['false', false],
    ['"false"', 'false'],
    ['" False "', ' False '],
    ['0', 0],
    ['"0"', '0'],
  ])('reads enable %s', (_label, value) => {
    const expected = !['false', '"false"', '" False "', '0', '"0"'].includes(_label);
    const s = firstStep(withSteps([step({ enable: value })]));
    expect(s?.enabled).toBe(expected);
    expect(s?.progress).toBe(expected ? 'running' : 'skipped');
  });

  it.each([
    [12, 12],
    ['12', 12],
    [' 12 ', 12],
    ['12.5', 12.5],
    [0, 0],
    ['0', 0],
    ['', null],
    ['twelve', null],
    ['0x10', null],
    [null, null],
    [undefined, null],
    [true, null],
    [{}, null],
    [Number.NaN, null],
    ['Infinity', null],
  ])('reads a counter %j as %j', (value, expected) => {
    const s = firstStep(withSteps([step({ elapsed_time: value, current_offset: value })]));
    expect(s?.elapsed).toBe(expected);
    expect(s?.currentOffset).toBe(expected);
  });

  it.each([
    [7, '7'],
    ['7', '7'],
    [undefined, ''],
    [null, ''],
    [{ nested: 1 }, ''],
  ])('reads a step id %j as %j', (value, expected) => {
    expect(firstStep(withSteps([step({ id: value })]))?.id).toBe(expected);
  });

  it.each([
    ['', null],
    ['  ', null],
    [undefined, null],
    [null, null],
    ['https://support.huaweicloud.com/faq', 'https://support.huaweicloud.com/faq'],
  ])('reads faq_url %j as %j', (value, expected) => {
    expect(firstStep(withSteps([step({ faq_url: value })]))?.faqUrl).toBe(expected);
  });

  it.each([
    ['absent', undefined, null],
    ['null', null, null],
    ['empty', [], []],
  ])('reads a step_state that is %s', (_label, value, expected) => {
    expect(normalise(withSteps(value)).steps).toEqual(expected);
  });

  it.each([
    ['empty', ''],
    ['absent', undefined],
    ['null', null],
    ['garbage', 'not yet'],
  ])('reads an end_time that is %s as null', (_label, value) => {
    expect(normalise(withResult(DOC_RUNNING_BODY, { end_time: value })).endedAt).toBeNull();
  });

  it.each([
    ['running', 'running'],
    ['succeeded', 'succeeded'],
    ['failed', 'failed'],
    ['timeout', 'timeout'],
    ['abort', 'abort'],
    ['not_started', 'not_started'],
    ['pending', 'pending'],
    ['SUCCEEDED', 'succeeded'],
    ['not_executed', 'unknown'],
    ['cancelled', 'unknown'],
    ['', 'unknown'],
  ])('maps result.status %j to %s, keeping the raw value', (raw, expected) => {
    const out = normalise(withResult(DOC_FINISHED_BODY, { status: raw }));
    expect(out.status).toBe(expected);
    expect(out.rawStatus).toBe(raw);
  });

  it.each([
    ['absent', undefined, ''],
    ['a number', 3, '3'],
    ['an object', { s: 1 }, ''],
  ])('maps a result.status that is %s to unknown', (_label, value, raw) => {
    const out = normalise(withResult(DOC_FINISHED_BODY, { status: value }));
    expect(out.status).toBe('unknown');
    expect(out.rawStatus).toBe(raw);
  });

  it.each([
    ['executor', { executor: 'devcloud_test', nick_name: 'A/B side account' }, 'devcloud_test'],
    [
      'nick_name when executor is absent',
      { executor: undefined, nick_name: 'A/B side account' },
      'A/B side account',
    ],
    ['nick_name when executor is empty', { executor: '', nick_name: 'AB边账号' }, 'AB边账号'],
    ['nothing when both are absent', { executor: undefined, nick_name: undefined }, ''],
  ])('takes the executor from %s', (_label, fields, expected) => {
    expect(normalise(withResult(DOC_FINISHED_BODY, fields)).executor).toBe(expected);
  });

  it.each([
    ['finish', true],
    ['running', false],
    [undefined, false],
  ])('reads step %j as stepsFinished %s', (value, expected) => {
    expect(normalise(withResult(DOC_FINISHED_BODY, { step: value })).stepsFinished).toBe(expected);
  });

  it('ignores unknown fields anywhere', () => {
    const body = {
      ...withResult(DOC_RUNNING_BODY, {
        step_state: RUNNING_STEPS.map((s) => ({ ...s, colour: 'blue', nested: { a: [1] } })),
        release_id: 61640,
        extra: null,
      }),
      request_id: 'abc',
    };
    expect(normalise(body)).toEqual(normalise(DOC_RUNNING_BODY));
  });

  it('tolerates a missing task_name and start_time', () => {
    const out = normalise(withResult(DOC_FINISHED_BODY, { task_name: undefined, start_time: undefined }));
    expect(out.taskName).toBe('');
    expect(out.startedAt).toBeNull();
  });

  it('ignores inherited properties', () => {
    const result = Object.create({ status: 'succeeded' }) as Record<string, unknown>;
    Object.assign(result, { record_id: 'a'.repeat(32), task_id: 'b'.repeat(32) });
    expect(normalise({ status: 'success', result }).rawStatus).toBe('');
  });

  it('infers step progress from this one observation', () => {
    const counters = (n: number) => ({ current_offset: n, elapsed_time: n });
    const body = withResult(DOC_RUNNING_BODY, {
      status: 'failed',
      step: 'finish',
      step_state: [
        step({ ...counters(5) }),
        step({ ...counters(0), enable: false }),
        step({ ...counters(7) }),
        step({ ...counters(0) }),
      ],
    });
    expect(normalise(body).steps?.map((s) => s.progress)).toEqual(['done', 'skipped', 'failed', 'pending']);
  });
});

describe('normaliseStateResponse: strictness', () => {
  const documentedError = {
    error: { code: 'DEV-12-10303', reason: '无执行记录' },
    status: 'error',
    error_code: 'Deploy.00011303',
    error_msg: '无执行记录',
  };
  it.each([
    ['null', null, 'body'],
    ['an array', [DOC_FINISHED_BODY], 'body'],
    ['a string', JSON.stringify(DOC_FINISHED_BODY), 'body'],
    ['a number', 200, 'body'],
    ['the dual-shape error body', documentedError, 'status'],
    ['an outer status "error"', { ...DOC_FINISHED_BODY, status: 'error' }, 'status'],
    ['an outer status "failed"', { ...DOC_FINISHED_BODY, status: 'failed' }, 'status'],
    ['no outer status', { result: DOC_FINISHED_BODY.result }, 'status'],
    ['an outer status "SUCCESS"', { ...DOC_FINISHED_BODY, status: 'SUCCESS' }, 'status'],
    ['no result', { status: 'success' }, 'result'],
    ['a null result', { status: 'success', result: null }, 'result'],
    ['an array result', { status: 'success', result: [DOC_FINISHED_BODY.result] }, 'result'],
    ['no record_id', withResult(DOC_FINISHED_BODY, { record_id: undefined }), 'result.record_id'],
    ['a short record_id', withResult(DOC_FINISHED_BODY, { record_id: '2c82ffe8' }), 'result.record_id'],
    ['a numeric record_id', withResult(DOC_FINISHED_BODY, { record_id: 12345 }), 'result.record_id'],
    [
      'a record_id with dashes',
      withResult(DOC_FINISHED_BODY, { record_id: '2c82ffe8-d00d-4968-a4e5-f7a36d87ae17' }),
      'result.record_id',
    ],
    ['a 33-character task_id', withResult(DOC_FINISHED_BODY, { task_id: 'e'.repeat(33) }), 'result.task_id'],
    ['no task_id', withResult(DOC_FINISHED_BODY, { task_id: undefined }), 'result.task_id'],
    ['a step_state object', withSteps({ 0: RUNNING_STEPS[0] }), 'result.step_state'],
    ['a step_state string', withSteps(''), 'result.step_state'],
    ['a step_state number', withSteps(2), 'result.step_state'],
    ['a step that is a number', withSteps([1]), 'result.step_state[0]'],
    ['a step that is null', withSteps([RUNNING_STEPS[0], null]), 'result.step_state[1]'],
    ['a step that is an array', withSteps([[RUNNING_STEPS[0]]]), 'result.step_state[0]'],
  ])('rejects %s naming field %s', (_label, body, field) => {
    let caught: unknown;
    try {
      normalise(body);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(MalformedStateError);
    expect((caught as MalformedStateError).field).toBe(field);
    expect((caught as MalformedStateError).name).toBe('MalformedStateError');
  });

  it('rejects a sparse step_state', () => {
    // biome-ignore lint/suspicious/noSparseArray: a hole is exactly what is under test
    expect(() => normalise(withSteps([RUNNING_STEPS[0], , RUNNING_STEPS[1]]))).toThrow(MalformedStateError);
  });

  it('rejects an invalid time zone as a configuration error, before reading the body', () => {
    expect(() => normaliseStateResponse(DOC_FINISHED_BODY, { timeZone: 'Asia/Shanghai' })).toThrow(
      RangeError,
    );
    expect(() => normaliseStateResponse(null, { timeZone: '8' })).toThrow(RangeError);
  });
});

describe('normaliseStateResponse: fuzzing', () => {
  const check = (body: unknown): void => {
    try {
      const run = normalise(body);
      expect(run.recordId).toMatch(/^[A-Za-z0-9]{32}$/);
      expect(run.taskId).toMatch(/^[A-Za-z0-9]{32}$/);
      expect(RUN_STATUSES).toContain(run.status);
      for (const s of run.steps ?? []) {
        expect(STEP_PROGRESSES).toContain(s.progress);
        expect(s.progress === 'skipped').toBe(!s.enabled);
        expect(s.elapsed === null || Number.isFinite(s.elapsed)).toBe(true);
        expect(s.currentOffset === null || Number.isFinite(s.currentOffset)).toBe(true);
      }
      expect(run.startedAt === null || !Number.isNaN(Date.parse(run.startedAt))).toBe(true);
    } catch (error) {
      if (!(error instanceof MalformedStateError)) throw error;
      expect(typeof error.field).toBe('string');
    }
  };

  it('throws nothing but MalformedStateError for any value', () => {
    fc.assert(
      fc.property(fc.anything({ withNullPrototype: true, withBigInt: true, withBoxedValues: true }), check),
      { numRuns: 500 },
    );
  });

  it('throws nothing but MalformedStateError for anything inside an otherwise valid envelope', () => {
    fc.assert(
      fc.property(fc.anything(), fc.anything(), (result, step) => {
        check({ status: 'success', result });
        check(withSteps([step]));
      }),
      { numRuns: 300 },
    );
  });

  // A valid body with one field somewhere replaced by anything, or deleted.
  const mutated = fc
    .tuple(
      fc.constantFrom<unknown>(
        DOC_FINISHED_BODY,
        DOC_RUNNING_BODY,
        withSteps(RUNNING_STEPS.map(stringlyStep)),
      ),
      fc.nat(),
      fc.nat(),
      fc.option(fc.anything(), { nil: undefined }),
    )
    .map(([base, pick, stepPick, value]) => {
      const body = structuredClone(base) as { status: unknown; result: Record<string, unknown> };
      const steps = Array.isArray(body.result.step_state)
        ? (body.result.step_state as Record<string, unknown>[])
        : [];
      const resultKeys = [...Object.keys(body.result), 'unexpected'];
      const stepKeys = [
        'region',
        'id',
        'offset',
        'enable',
        'name',
        'current_offset',
        'elapsed_time',
        'faq_url',
      ];
      const target = steps[stepPick % Math.max(steps.length, 1)];
      const choice = pick % (2 + resultKeys.length + (target ? stepKeys.length : 0));
      const set = (obj: Record<string, unknown>, key: string) => {
        if (value === undefined) delete obj[key];
        else obj[key] = value;
      };
      if (choice === 0) body.status = value;
      else if (choice === 1) body.result = value as Record<string, unknown>;
      else if (choice < 2 + resultKeys.length) set(body.result, resultKeys[choice - 2] ?? 'x');
      else if (target) set(target, stepKeys[choice - 2 - resultKeys.length] ?? 'x');
      return body;
    });

  it('throws nothing but MalformedStateError for mutated valid bodies', () => {
    fc.assert(fc.property(mutated, check), { numRuns: 1000 });
  });
});

describe('normaliseStateResponse: bounded size', () => {
  /** DynamoDB counts an item in UTF-8 bytes; a run must stay a small part of a 400 KB item. */
  const MAX_RUN_BYTES = 80 * 1024;
  const utf8Bytes = (value: unknown): number => Buffer.byteLength(JSON.stringify(value), 'utf8');

  it('clips CodeArts names, executor and status, drops unusable or huge faq_urls, and keeps at most 60 steps', () => {
    const huge = 'x'.repeat(500 * 1024);
    const run = normalise(
      withResult(DOC_RUNNING_BODY, {
        task_name: huge,
        executor: huge,
        status: huge,
        step_state: Array.from({ length: 5_000 }, (_, i) => ({
          id: huge,
          name: `${i}${huge}`,
          enable: true,
          elapsed_time: 1,
          current_offset: 1,
          faq_url:
            i === 0
              ? `https://example.com/${huge}`
              : i === 1
                ? 'javascript:alert(1)'
                : 'https://ok.example/faq',
        })),
      }),
    );
    expect(run.taskName).toHaveLength(NORMALISE_LIMITS.name);
    expect(run.taskName.endsWith('…')).toBe(true);
    expect(run.executor).toHaveLength(NORMALISE_LIMITS.executor);
    expect(run.rawStatus).toHaveLength(NORMALISE_LIMITS.rawStatus);
    expect(run.steps).toHaveLength(NORMALISE_LIMITS.steps);
    expect(run.steps?.[0]).toMatchObject({ faqUrl: null, index: 0 });
    expect(run.steps?.[1]?.faqUrl).toBeNull();
    expect(run.steps?.[2]?.faqUrl).toBe('https://ok.example/faq');
    expect(run.steps?.every((step) => step.name.length <= NORMALISE_LIMITS.name)).toBe(true);
    expect(utf8Bytes(run)).toBeLessThan(MAX_RUN_BYTES);
  });

  it('never splits a surrogate pair when clipping', () => {
    const clipped = clipText('😀'.repeat(100), 11);
    expect(clipped).toBe(`${'😀'.repeat(5)}…`);
    expect(clipText('short', 11)).toBe('short');
  });

  it('keeps every run under 80 KB of UTF-8, whatever the strings and however many steps', () => {
    const text = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 3000 }),
      fc.string({ unit: 'grapheme', maxLength: 600 }),
      fc.nat({ max: 4 }).map((n) => '界'.repeat(10 ** n)),
    );
    const step = fc.record({
      id: text,
      name: text,
      enable: fc.boolean(),
      elapsed_time: fc.nat(),
      current_offset: fc.nat(),
      faq_url: fc.oneof(
        text,
        text.map((t) => `https://example.com/${encodeURIComponent(t)}`),
      ),
    });
    fc.assert(
      fc.property(text, text, text, fc.array(step, { maxLength: 150 }), (name, executor, status, steps) => {
        const run = normalise(
          withResult(DOC_RUNNING_BODY, { task_name: name, executor, status, step_state: steps }),
        );
        expect(utf8Bytes(run)).toBeLessThan(MAX_RUN_BYTES);
      }),
      { numRuns: 200 },
    );
  });
});
