import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { APPLICATION_STATES, parseApplicationPage } from '../../../functions/core/applications.js';
import { MalformedStateError } from '../../../functions/core/normalise.js';
import { TIME_ZONE } from './fixtures.js';

/** The ListAllApp answer as CodeArts documents it. */
const DOC_APPS = {
  total_num: 1,
  result: [
    {
      id: '61a79c91060b43909b9cd8c5e33ba43a',
      name: 'gateway-prod',
      duration: '00:00:50',
      project_id: 'b60f3ec187f34c35ad3033d1d6d73876',
      project_name: 'Demo',
      deploy_system: 'deployTemplate',
      create_time: '2026-04-17 17:26:47',
      update_time: '2026-04-17 17:26:47',
      execution_time: '2026-04-18 09:00:01',
      end_time: '2026-04-18 09:00:51',
      execution_state: 'failed',
      release_id: 12,
      executor_id: '6baa7454109d47c192f22078fe6cda20',
      executor_nick_name: 'devops-bot',
      is_disable: false,
      can_execute: true,
      arrange_infos: [
        { id: '8f49acfaa7ea4725b87627dc2902f19a', state: 'Available', deploy_system: 'deployTemplate' },
      ],
    },
  ],
};

const APP_ID = 'a'.repeat(32);
const TASK_A = 'b'.repeat(32);
const TASK_B = 'c'.repeat(32);
const parse = (body: unknown) => parseApplicationPage(body, { timeZone: TIME_ZONE });
const one = (entry: Record<string, unknown>) =>
  parse({ total_num: 1, result: [{ id: APP_ID, ...entry }] }).apps[0];

const rejection = (body: unknown): MalformedStateError => {
  try {
    parse(body);
  } catch (error) {
    expect(error).toBeInstanceOf(MalformedStateError);
    return error as MalformedStateError;
  }
  throw new Error('expected the body to be refused');
};

describe('parseApplicationPage', () => {
  it('reads the documented answer, times in the configured zone', () => {
    expect(parse(DOC_APPS)).toEqual({
      total: 1,
      apps: [
        {
          appId: '61a79c91060b43909b9cd8c5e33ba43a',
          name: 'gateway-prod',
          taskIds: ['8f49acfaa7ea4725b87627dc2902f19a'],
          executionState: 'failed',
          releaseId: 12,
          executionTime: '2026-04-18T01:00:01.000Z',
          endTime: '2026-04-18T01:00:51.000Z',
        },
      ],
    });
  });

  it('knows every state of the enum, maps others to unknown, and reads a never-run application', () => {
    for (const state of APPLICATION_STATES)
      expect(one({ execution_state: state })?.executionState).toBe(state);
    expect(one({ execution_state: ' Running ' })?.executionState).toBe('running');
    expect(one({ execution_state: 'canceled' })?.executionState).toBe('unknown');
    expect(one({ execution_state: 7 })?.executionState).toBe('unknown');
    expect(
      one({
        execution_state: 'not_executed',
        release_id: 0,
        execution_time: '',
        end_time: '',
        arrange_infos: [],
      }),
    ).toEqual({
      appId: APP_ID,
      name: '',
      taskIds: [],
      executionState: 'not_executed',
      releaseId: 0,
      executionTime: null,
      endTime: null,
    });
  });

  it('is tolerant of string release IDs and totals, odd times and absent or null task lists', () => {
    const page = parse({
      total_num: '3',
      result: [{ id: APP_ID, release_id: '41', execution_time: 'soon' }],
    });
    expect(page.total).toBe(3);
    expect(page.apps[0]).toMatchObject({ releaseId: 41, executionTime: null, taskIds: [] });
    for (const releaseId of [-1, 1.5, 'v2', null, Number.MAX_SAFE_INTEGER + 2]) {
      expect(one({ release_id: releaseId })?.releaseId).toBeNull();
    }
    expect(one({ arrange_infos: null })?.taskIds).toEqual([]);
    expect(one({ name: 42 })?.name).toBe('42');
  });

  it('lists every task of an application once', () => {
    expect(one({ arrange_infos: [{ id: TASK_A }, { id: TASK_B }, { id: TASK_A }] })?.taskIds).toEqual([
      TASK_A,
      TASK_B,
    ]);
  });

  it('refuses what would mislead: no list, no total to page by, bad application or task IDs', () => {
    expect(rejection(null).field).toBe('body');
    expect(rejection([]).field).toBe('body');
    expect(rejection({ total_num: 0 }).field).toBe('result');
    expect(rejection({ total_num: 0, result: {} }).field).toBe('result');
    expect(rejection({ result: [] }).field).toBe('total_num');
    expect(rejection({ result: [], total_num: -1 }).field).toBe('total_num');
    expect(rejection({ result: [], total_num: '1e3' }).field).toBe('total_num');
    expect(rejection({ total_num: 1, result: ['x'] }).field).toBe('result[0]');
    expect(rejection({ total_num: 1, result: [{ id: 'short' }] }).field).toBe('result[0].id');
    expect(rejection({ total_num: 1, result: [{ id: APP_ID, arrange_infos: {} }] }).field).toBe(
      'result[0].arrange_infos',
    );
    expect(rejection({ total_num: 1, result: [{ id: APP_ID, arrange_infos: [{ id: 'x' }] }] }).field).toBe(
      'result[0].arrange_infos[0].id',
    );
    expect(rejection({ total_num: 1, result: [{ id: APP_ID, arrange_infos: [null] }] }).field).toBe(
      'result[0].arrange_infos[0].id',
    );
  });

  it('does not read inherited properties as fields', () => {
    const entry = Object.create({ id: APP_ID }) as Record<string, unknown>;
    expect(rejection({ total_num: 1, result: [entry] }).field).toBe('result[0].id');
  });

  it('throws a RangeError for an invalid zone, whatever the body', () => {
    expect(() => parseApplicationPage(DOC_APPS, { timeZone: 'CST' })).toThrow(RangeError);
    expect(() => parseApplicationPage(null, { timeZone: 'CST' })).toThrow(RangeError);
  });

  it('never throws anything but MalformedStateError, and returns well-formed values', () => {
    const check = (body: unknown): void => {
      try {
        const page = parse(body);
        expect(Number.isSafeInteger(page.total) && page.total >= 0).toBe(true);
        for (const app of page.apps) {
          expect(app.appId).toMatch(/^[A-Za-z0-9]{32}$/);
          expect(app.taskIds.every((id) => /^[A-Za-z0-9]{32}$/.test(id))).toBe(true);
          expect(typeof app.name).toBe('string');
          expect([...APPLICATION_STATES, 'unknown']).toContain(app.executionState);
          expect(app.releaseId === null || Number.isSafeInteger(app.releaseId)).toBe(true);
          for (const time of [app.executionTime, app.endTime]) {
            expect(time === null || !Number.isNaN(Date.parse(time))).toBe(true);
          }
        }
      } catch (error) {
        expect(error).toBeInstanceOf(MalformedStateError);
      }
    };
    fc.assert(
      fc.property(fc.anything({ withNullPrototype: true, withBigInt: true, withBoxedValues: true }), check),
      { numRuns: 500 },
    );
    const field = fc.oneof(
      fc.anything(),
      fc.constant(APP_ID),
      fc.constant('2026-04-18 09:00:01'),
      fc.constantFrom(...APPLICATION_STATES),
    );
    const infos = fc.oneof(field, fc.array(fc.oneof(field, fc.record({ id: field }, { requiredKeys: [] }))));
    const entries = fc.array(
      fc.record(
        {
          id: field,
          name: field,
          execution_state: field,
          release_id: fc.oneof(fc.integer(), field),
          execution_time: field,
          end_time: field,
          arrange_infos: infos,
        },
        { requiredKeys: [] },
      ),
    );
    fc.assert(
      fc.property(entries, fc.oneof(fc.nat(), fc.anything()), (result, total) =>
        check({ result, total_num: total }),
      ),
      { numRuns: 500 },
    );
  });
});
