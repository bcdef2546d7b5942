import { describe, expect, it } from 'vitest';
import { applicationListBody, checkId, startBody } from '../../../functions/adapters/codearts/requests.js';
import { CodeArtsError } from '../../../functions/ports.js';

const PROJECT = 'b60f3ec187f34c35ad3033d1d6d73876';
const RECORD = '2c82ffe8d00d4968a4e5f7a36d87ae17';

const badRequest = (fn: () => unknown): CodeArtsError => {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(CodeArtsError);
    expect((error as CodeArtsError).kind).toBe('bad-request');
    return error as CodeArtsError;
  }
  throw new Error('expected a bad-request');
};

describe('applicationListBody', () => {
  it('writes the documented ListAllAppRequestBody, leaving out what was not asked', () => {
    expect(JSON.parse(applicationListBody(PROJECT, { page: 1, size: 20 }))).toEqual({
      project_id: PROJECT,
      page: 1,
      size: 20,
    });
    expect(
      JSON.parse(
        applicationListBody(PROJECT, {
          page: 3,
          size: 100,
          sortName: 'startTime',
          sortBy: 'DESC',
          states: ['running', 'failed', 'running'],
          region: 'cn-east-3',
        }),
      ),
    ).toEqual({
      project_id: PROJECT,
      page: 3,
      size: 100,
      sort_name: 'startTime',
      sort_by: 'DESC',
      states: ['running', 'failed'],
    });
    expect(JSON.parse(applicationListBody(PROJECT, { page: 1, size: 1, states: [] }))).not.toHaveProperty(
      'states',
    );
  });

  it('refuses what CodeArts would refuse', () => {
    expect(badRequest(() => applicationListBody('', { page: 1, size: 1 })).message).toContain('project ID');
    badRequest(() => applicationListBody(PROJECT, { page: 0, size: 1 }));
    badRequest(() => applicationListBody(PROJECT, { page: Number.NaN, size: 1 }));
    badRequest(() => applicationListBody(PROJECT, { page: 1, size: 100.5 }));
    badRequest(() => applicationListBody(PROJECT, { page: 1, size: 1, sortBy: 'desc' as never }));
    badRequest(() => applicationListBody(PROJECT, { page: 1, size: 1, states: 'running' as never }));
    expect(
      badRequest(() => applicationListBody(PROJECT, { page: 1, size: 1, states: ['unknown' as never] }))
        .message,
    ).toContain('not_executed');
  });
});

describe('startBody', () => {
  it('writes params as {key, value, type}, or the record to roll back to', () => {
    expect(JSON.parse(startBody({}))).toEqual({});
    expect(
      JSON.parse(
        startBody({
          params: [
            { name: 'version', value: '1.0.3', type: 'text' },
            { name: 'a.b-c_d', value: '' },
          ],
        }),
      ),
    ).toEqual({
      params: [
        { key: 'version', value: '1.0.3', type: 'text' },
        { key: 'a.b-c_d', value: '' },
      ],
    });
    expect(JSON.parse(startBody({ recordId: RECORD }))).toEqual({ record_id: RECORD });
    expect(JSON.parse(startBody({ params: [] }))).toEqual({ params: [] });
  });

  it('refuses ambiguous or malformed input', () => {
    badRequest(() => startBody({ recordId: RECORD, params: [] }));
    badRequest(() => startBody({ recordId: 'x'.repeat(33) }));
    badRequest(() => startBody({ params: [{ name: 'x'.repeat(129), value: '1' }] }));
    badRequest(() => startBody({ params: [{ name: 'v', value: '{% if %}' }] }));
    badRequest(() => startBody({ params: [{ name: 'v', value: '{# c #}' }] }));
    badRequest(() => startBody({ params: [{ name: 'v', value: 1 as never }] }));
    badRequest(() => startBody({ params: [null as never] }));
    badRequest(() => startBody({ params: [{ name: 'v', value: '1', type: 'TEXT' }] }));
    expect(
      badRequest(() =>
        startBody({
          params: [
            { name: 'v', value: '1' },
            { name: 'v', value: '2' },
          ],
        }),
      ).message,
    ).toContain('twice');
  });
});

describe('checkId', () => {
  it('accepts 32 characters [A-Za-z0-9] only', () => {
    expect(checkId('task ID', RECORD)).toBe(RECORD);
    for (const bad of ['', RECORD.slice(1), `${RECORD}/`, '../../v3/auth/tokens', 42])
      badRequest(() => checkId('task ID', bad));
  });
});
