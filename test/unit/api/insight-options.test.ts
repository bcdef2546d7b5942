// POST /tasks with quiet hours and a digest: stored with the watch, shown back, repeated harmlessly, changed and
// cleared; anything malformed is a 400 naming the field, and nothing is written.
import { describe, expect, it } from 'vitest';
import { TASK_A } from '../../support/fakes/codearts.js';
import { call, makeHarness, postTask, slackEvent, slackForm } from './fixtures.js';

const CHANNEL = 'C0123ABCD9';
const QUIET = { from: '22:00', to: '07:00', time_zone: 'Europe/Berlin' };

describe('POST /tasks: quiet_hours and digest', () => {
  it('stores both with the watch and shows them back; the digest takes the quiet hours’ zone', async () => {
    const { handler, store } = makeHarness();
    const answer = await call(
      handler,
      postTask({ task_id: TASK_A, channel: CHANNEL, quiet_hours: QUIET, digest: 'daily' }),
    );
    expect(answer.status).toBe(201);
    expect(answer.json).toMatchObject({
      watch: { quiet_hours: QUIET, digest: { every: 'daily', time_zone: 'Europe/Berlin' } },
    });
    expect(store.dump()[0]?.subscriptions[CHANNEL]).toMatchObject({
      quietHours: { from: '22:00', to: '07:00', timeZone: 'Europe/Berlin' },
      digest: { every: 'daily', timeZone: 'Europe/Berlin' },
    });
    expect(store.dump()[0]?.audit?.at(-1)?.detail).toBe(
      'notify=all mode=thread quiet_hours=22:00-07:00@Europe/Berlin digest=daily@Europe/Berlin',
    );
  });

  it('a digest without quiet hours counts days in UTC, or in the zone it names', async () => {
    const { handler } = makeHarness();
    const utc = await call(handler, postTask({ task_id: TASK_A, channel: CHANNEL, digest: 'weekly' }));
    expect(utc.json).toMatchObject({
      watch: { quiet_hours: null, digest: { every: 'weekly', time_zone: 'UTC' } },
    });
    const named = await call(
      handler,
      postTask({ task_id: TASK_A, channel: CHANNEL, digest: { every: 'daily', time_zone: 'Asia/Shanghai' } }),
    );
    expect(named.json).toMatchObject({
      outcome: 'updated',
      watch: { digest: { every: 'daily', time_zone: 'Asia/Shanghai' } },
    });
  });

  it('the same request again changes nothing; a request without them clears them', async () => {
    const { handler, store } = makeHarness();
    const body = { task_id: TASK_A, channel: CHANNEL, quiet_hours: QUIET, digest: 'daily' };
    await call(handler, postTask(body));
    const writes = store.writes.length;
    expect((await call(handler, postTask(body))).json).toMatchObject({ outcome: 'unchanged' });
    expect(store.writes.length).toBe(writes);
    const cleared = await call(handler, postTask({ task_id: TASK_A, channel: CHANNEL }));
    expect(cleared.json).toMatchObject({ outcome: 'updated', watch: { quiet_hours: null, digest: null } });
    expect(store.dump()[0]?.subscriptions[CHANNEL]).not.toHaveProperty('quietHours');
    expect(store.dump()[0]?.subscriptions[CHANNEL]).not.toHaveProperty('digest');
  });

  it.each([
    ['quiet_hours', { ...QUIET, time_zone: 'Europe/Atlantis' }],
    ['quiet_hours', { ...QUIET, from: '24:00' }],
    ['quiet_hours', { ...QUIET, to: '7:00' }],
    ['quiet_hours', { ...QUIET, to: '22:00' }],
    ['quiet_hours', { from: '22:00', to: '07:00' }],
    ['quiet_hours', { ...QUIET, zone: 'UTC' }],
    ['quiet_hours', '22:00-07:00'],
    ['digest', 'hourly'],
    ['digest', { every: 'monthly' }],
    ['digest', { every: 'daily', time_zone: 'Nowhere/Town' }],
    ['digest', { every: 'daily', at: '09:00' }],
    ['digest', 1],
  ])('refuses %s = %j with a 400 naming the field, writing nothing', async (field, value) => {
    const { handler, store } = makeHarness();
    const answer = await call(handler, postTask({ task_id: TASK_A, channel: CHANNEL, [field]: value }));
    expect(answer.status).toBe(400);
    expect(answer.json).toMatchObject({
      error: { code: 'invalid_field', message: expect.stringContaining(`"${field}`) },
    });
    expect(store.writes).toEqual([]);
  });
});

describe('/codearts watch on a watch with quiet hours and a digest', () => {
  it('changes the level and keeps them', async () => {
    const { handler, store } = makeHarness();
    await call(
      handler,
      postTask({ task_id: TASK_A, channel: CHANNEL, quiet_hours: QUIET, digest: 'weekly' }),
    );
    const answer = await call(handler, slackEvent(slackForm(`watch ${TASK_A} failures`, CHANNEL)));
    expect(answer.status).toBe(200);
    expect(store.dump()[0]?.subscriptions[CHANNEL]).toMatchObject({
      notify: 'failures',
      quietHours: { from: '22:00', to: '07:00', timeZone: 'Europe/Berlin' },
      digest: { every: 'weekly', timeZone: 'Europe/Berlin' },
    });
  });
});
