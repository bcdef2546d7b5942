import { describe, expect, it } from 'vitest';
import { TASK_A } from '../../support/fakes/codearts.js';
import { apiEvent, auth, call, makeHarness, postTask } from './fixtures.js';

const CHANNEL = 'C0123ABCD9';

describe('operators on POST /tasks', () => {
  it('are stored on the watch, shown by GET /tasks/{id} and recorded in the audit trail', async () => {
    const { handler, store } = makeHarness();
    const answer = await call(
      handler,
      postTask({ task_id: TASK_A, channel: CHANNEL, operators: ['U0123ABCD9', 'S0OPSGRP01', 'U0123ABCD9'] }),
    );
    expect(answer).toMatchObject({
      status: 201,
      json: { watch: { operators: ['U0123ABCD9', 'S0OPSGRP01'] } },
    });
    expect(store.dump()[0]?.subscriptions[CHANNEL]?.operators).toEqual(['U0123ABCD9', 'S0OPSGRP01']);
    const shown = await call(handler, apiEvent({ method: 'GET', path: `/tasks/${TASK_A}`, headers: auth() }));
    expect(shown.json).toMatchObject({
      subscriptions: [{ channel: CHANNEL, operators: ['U0123ABCD9', 'S0OPSGRP01'] }],
      audit: [{ action: 'watch', detail: 'notify=all mode=thread operators=U0123ABCD9,S0OPSGRP01' }],
    });
  });

  it('are changed (or removed) by watching again, and a watch without them shows none', async () => {
    const { handler } = makeHarness();
    await call(handler, postTask({ task_id: TASK_A, channel: CHANNEL, operators: ['U0123ABCD9'] }));
    const cleared = await call(handler, postTask({ task_id: TASK_A, channel: CHANNEL }));
    expect(cleared).toMatchObject({ status: 200, json: { outcome: 'updated', watch: { operators: [] } } });
  });

  it.each([
    [{ operators: 'U0123ABCD9' }, 'operators'],
    [{ operators: ['U0123ABCD9', '@ops'] }, 'operators[1]'],
    [{ operators: ['C0123ABCD9'] }, 'operators[0]'],
    [
      { operators: Array.from({ length: 21 }, (_, i) => `U0123ABC${String(i).padStart(2, '0')}`) },
      'operators',
    ],
  ])('answer 400 for %j naming the field, storing nothing', async (extra, field) => {
    const { handler, store, codearts } = makeHarness();
    const answer = await call(handler, postTask({ task_id: TASK_A, channel: CHANNEL, ...extra }));
    expect(answer).toMatchObject({ status: 400, json: { error: { code: 'invalid_field' } } });
    expect((answer.json as { error: { message: string } }).error.message).toContain(`"${field}"`);
    expect(store.dump()).toEqual([]);
    expect(codearts.calls).toEqual([]);
  });
});
