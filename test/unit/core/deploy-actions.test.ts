import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  paramsForRerun,
  parseExecutionParams,
  parseStartedRun,
  parseStopAnswer,
} from '../../../functions/core/deploy-actions.js';
import { MalformedStateError } from '../../../functions/core/normalise.js';

const TASK = 'e700f15965694253940502911220d76b';
const RECORD = '2c82ffe8d00d4968a4e5f7a36d87ae17';
const OTHER = 'f'.repeat(32);

const refused = (fn: () => unknown): MalformedStateError => {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(MalformedStateError);
    return error as MalformedStateError;
  }
  throw new Error('expected the body to be refused');
};

const anything = fc.anything({ withNullPrototype: true, withBigInt: true, withBoxedValues: true });

/** Runs `parse` over arbitrary JSON: it returns or throws MalformedStateError, nothing else. */
const onlyMalformed = (parse: (body: unknown) => unknown, shaped: fc.Arbitrary<unknown>): void => {
  const check = (body: unknown): void => {
    try {
      parse(body);
    } catch (error) {
      expect(error).toBeInstanceOf(MalformedStateError);
    }
  };
  fc.assert(fc.property(anything, check), { numRuns: 300 });
  fc.assert(fc.property(shaped, check), { numRuns: 300 });
};

describe('parseExecutionParams', () => {
  it('reads the documented bare array', () => {
    expect(parseExecutionParams([{ name: 'version', type: 'text', value: '1.0.3' }])).toEqual([
      { name: 'version', type: 'text', value: '1.0.3' },
    ]);
    expect(parseExecutionParams([])).toEqual([]);
  });

  it('is tolerant of numbers, booleans and absent values or types', () => {
    expect(
      parseExecutionParams([
        { name: 'replicas', type: 'text', value: 3 },
        { name: 'canary', value: true },
        { name: 'password', type: 'encrypt', value: null },
        { name: 'token', type: 'encrypt' },
      ]),
    ).toEqual([
      { name: 'replicas', type: 'text', value: '3' },
      { name: 'canary', type: '', value: 'true' },
      { name: 'password', type: 'encrypt', value: null },
      { name: 'token', type: 'encrypt', value: null },
    ]);
  });

  it('refuses what a re-run could not send faithfully: no list, an unnamed parameter, a value that is not text', () => {
    expect(refused(() => parseExecutionParams({ result: [] })).field).toBe('body');
    expect(refused(() => parseExecutionParams(['x'])).field).toBe('[0]');
    expect(refused(() => parseExecutionParams([{ value: '1' }])).field).toBe('[0].name');
    expect(refused(() => parseExecutionParams([{ name: '  ', value: '1' }])).field).toBe('[0].name');
    expect(refused(() => parseExecutionParams([{ name: 'v', value: { a: 1 } }])).field).toBe('[0].value');
    expect(refused(() => parseExecutionParams([{ name: 'v', value: Number.NaN }])).field).toBe('[0].value');
  });

  it('never throws anything but MalformedStateError', () => {
    const item = fc.record(
      { name: fc.anything(), type: fc.anything(), value: fc.anything() },
      { requiredKeys: [] },
    );
    onlyMalformed(parseExecutionParams, fc.array(fc.oneof(item, fc.anything())));
  });
});

describe('paramsForRerun', () => {
  it('keeps shown values and leaves secrets and value-less parameters to CodeArts', () => {
    expect(
      paramsForRerun([
        { name: 'version', type: 'text', value: '1.0.3' },
        { name: 'password', type: 'encrypt', value: '******' },
        { name: 'hosts', type: 'host_group', value: 'web' },
        { name: 'empty', type: 'text', value: '' },
        { name: 'hidden', type: 'text', value: null },
        { name: 'untyped', type: '', value: 'x' },
      ]),
    ).toEqual([
      { name: 'version', type: 'text', value: '1.0.3' },
      { name: 'hosts', type: 'host_group', value: 'web' },
      { name: 'empty', type: 'text', value: '' },
      { name: 'untyped', value: 'x' },
    ]);
  });
});

describe('parseStartedRun', () => {
  it('reads the new record ID from the documented flat answer', () => {
    expect(
      parseStartedRun({ id: RECORD, task_id: TASK, job_name: 'job_d3f1a9', app_component_list: [] }, TASK),
    ).toEqual({ recordId: RECORD });
    expect(parseStartedRun({ id: RECORD }, TASK)).toEqual({ recordId: RECORD });
  });

  it('refuses an answer without a valid record ID, or about another task', () => {
    expect(refused(() => parseStartedRun([], TASK)).field).toBe('body');
    expect(refused(() => parseStartedRun({ task_id: TASK }, TASK)).field).toBe('id');
    expect(refused(() => parseStartedRun({ id: 'job_1' }, TASK)).field).toBe('id');
    expect(refused(() => parseStartedRun({ id: RECORD, task_id: OTHER }, TASK)).field).toBe('task_id');
  });

  it('never throws anything but MalformedStateError', () => {
    const shaped = fc.record({ id: fc.oneof(fc.constant(RECORD), fc.anything()), task_id: fc.anything() });
    onlyMalformed((body) => parseStartedRun(body, TASK), shaped);
  });
});

describe('parseStopAnswer', () => {
  it('accepts the documented wrapped answer, and one without a result', () => {
    expect(() =>
      parseStopAnswer({ status: 'success', result: { id: RECORD, task_id: TASK } }, TASK, RECORD),
    ).not.toThrow();
    expect(() => parseStopAnswer({ status: 'success' }, TASK, RECORD)).not.toThrow();
  });

  it('refuses anything but success, and an answer about another record or task', () => {
    expect(refused(() => parseStopAnswer('ok', TASK, RECORD)).field).toBe('body');
    expect(refused(() => parseStopAnswer({ status: 'failed' }, TASK, RECORD)).field).toBe('status');
    expect(refused(() => parseStopAnswer({ status: 'success', result: [] }, TASK, RECORD)).field).toBe(
      'result',
    );
    expect(
      refused(() => parseStopAnswer({ status: 'success', result: { id: OTHER } }, TASK, RECORD)).field,
    ).toBe('result.id');
    expect(
      refused(() =>
        parseStopAnswer({ status: 'success', result: { id: RECORD, task_id: OTHER } }, TASK, RECORD),
      ).field,
    ).toBe('result.task_id');
  });

  it('never throws anything but MalformedStateError', () => {
    const shaped = fc.record({
      status: fc.oneof(fc.constant('success'), fc.anything()),
      result: fc.oneof(
        fc.record({ id: fc.anything(), task_id: fc.anything() }, { requiredKeys: [] }),
        fc.anything(),
      ),
    });
    onlyMalformed((body) => parseStopAnswer(body, TASK, RECORD), shaped);
  });
});
