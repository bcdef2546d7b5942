import { describe, expect, it } from 'vitest';
import {
  encodePollMessage,
  PollMessageError,
  parsePollMessage,
} from '../../../functions/adapters/sqs/poll-message.js';
import type { PollMessage } from '../../../functions/ports.js';

const TASK = '0123456789abcdef0123456789abcdef';
const MESSAGE: PollMessage = {
  taskId: TASK,
  observe: true,
  until: 1_796_000_000_000,
  tick: '2026-12-01T10:00:00Z',
};
const body = (fields: Record<string, unknown>) => JSON.stringify({ ...MESSAGE, ...fields });
const without = (field: keyof PollMessage) => {
  const { [field]: _dropped, ...rest } = MESSAGE;
  return JSON.stringify(rest);
};

const refusal = (raw: string): PollMessageError => {
  try {
    parsePollMessage(raw);
  } catch (error) {
    if (error instanceof PollMessageError) return error;
    throw error;
  }
  throw new Error(`accepted ${raw}`);
};

describe('parsePollMessage', () => {
  it('reads back what encodePollMessage wrote', () => {
    expect(parsePollMessage(encodePollMessage(MESSAGE))).toEqual(MESSAGE);
    const pending = { ...MESSAGE, observe: false, until: 0, tick: '2026-12-01T10:00:00.123Z' };
    expect(parsePollMessage(encodePollMessage(pending))).toEqual(pending);
  });

  it.each([
    ['not JSON', '{"taskId":', undefined, /not JSON/],
    ['an array', '[]', undefined, /JSON object/],
    ['null', 'null', undefined, /JSON object/],
    ['an unknown field', body({ channel: 'C1' }), 'channel', /unknown field "channel"/],
    ['a task ID of 31 characters', body({ taskId: TASK.slice(1) }), 'taskId', /32 lower-case hexadecimal/],
    ['a task ID that is not hex', body({ taskId: `${TASK.slice(1)}g` }), 'taskId', /32 lower-case/],
    ['a task ID in upper case', body({ taskId: TASK.toUpperCase() }), 'taskId', /32 lower-case/],
    ['a task ID that is a number', body({ taskId: 12 }), 'taskId', /32 lower-case/],
    ['a missing task ID', without('taskId'), 'taskId', /taskId is missing/],
    ['observe as a string', body({ observe: 'true' }), 'observe', /observe must be true or false/],
    ['a missing observe', without('observe'), 'observe', /observe is missing/],
    ['until as a string', body({ until: '1796000000000' }), 'until', /until must be a time in epoch/],
    ['until with a fraction', body({ until: 1.5 }), 'until', /until must be/],
    ['a negative until', body({ until: -1 }), 'until', /until must be/],
    ['a tick that is not a date', body({ tick: 'yesterday' }), 'tick', /tick must be an ISO-8601/],
    ['a tick with an offset', body({ tick: '2026-12-01T10:00:00+01:00' }), 'tick', /tick must be/],
    ['a missing tick', without('tick'), 'tick', /tick is missing/],
  ])('refuses %s, naming the field', (_case, raw, field, message) => {
    const error = refusal(raw);
    expect(error.field).toBe(field);
    expect(error.message).toMatch(/^poll message: /);
    expect(error.message).toMatch(message);
  });
});

describe('encodePollMessage', () => {
  it('refuses a message the worker could not read, with the same error', () => {
    expect(() => encodePollMessage({ ...MESSAGE, taskId: 'nope' })).toThrow(/taskId must be/);
    expect(() => encodePollMessage({ ...MESSAGE, until: Number.NaN })).toThrow(/until must be/);
  });

  it('writes only the fields of a PollMessage', () => {
    const extra = { ...MESSAGE, stray: 1 } as PollMessage;
    expect(JSON.parse(encodePollMessage(extra))).toEqual(MESSAGE);
  });
});
