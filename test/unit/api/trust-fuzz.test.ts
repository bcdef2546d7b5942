// Property-based: correctly signed slash commands from other workspaces and other channels, and API requests
// with a read-only or wrong key, never reveal another channel's watches nor change them. Asserted on the store
// (tasks and channel items) and on every answer text.
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ChannelRecord, TaskRecord } from '../../../functions/core/model.js';
import { CodeArtsError } from '../../../functions/ports.js';
import { TASK_A, TASK_NEVER_RUN } from '../../support/fakes/codearts.js';
import {
  apiEvent,
  call,
  makeHarness,
  NOW,
  postTask,
  READ_KEY,
  slackEvent,
  slackForm,
  TEAM,
} from './fixtures.js';

/** The channel whose watches everyone else probes. */
const OWNER = 'C0AAAAAAA1';
const OWNER_USER = 'U0OWNER001';
/** What only OWNER may learn: what the store holds from its watches (CodeArts itself answers other names). */
const PRIVATE = ['stored-name-a', 'stored-name-b', 'stored-executor', 'stored-step', 'U0SECRET01', OWNER];
const TASK_B = 'b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0';

/** A store where OWNER watches two tasks (one of them broken there), with names CodeArts no longer uses. */
const seeded = async (): Promise<{ tasks: TaskRecord[]; channels: ChannelRecord[] }> => {
  const harness = makeHarness();
  harness.codearts.tasks.set(TASK_B, { name: 'b', state: null });
  for (const task of [TASK_A, TASK_B]) {
    await call(harness.handler, postTask({ task_id: task, channel: OWNER, mentions: ['U0SECRET01'] }));
  }
  const tasks = harness.store.dump().map((record) => {
    const sub = record.subscriptions[OWNER];
    if (sub === undefined) throw new Error('seed failed');
    const run = record.run && {
      ...record.run,
      executor: 'stored-executor',
      steps: record.run.steps?.map((step) => ({ ...step, name: 'stored-step' })) ?? null,
    };
    return {
      ...record,
      taskName: record.taskId === TASK_A ? 'stored-name-a' : 'stored-name-b',
      run,
      subscriptions: {
        [OWNER]:
          record.taskId === TASK_B
            ? { ...sub, broken: { code: 'channel_not_found', message: 'x', at: '2026-11-28T09:00:00.000Z' } }
            : sub,
      },
    };
  });
  return { tasks, channels: harness.store.dumpChannels() };
};

const world = async (seed: Awaited<ReturnType<typeof seeded>>, codeartsDown: boolean) => {
  const harness = makeHarness({ slackTeamIds: () => [TEAM], slashVerifyTimeoutMs: 50 });
  for (const record of seed.tasks) harness.store.put(record);
  for (const channel of seed.channels) await harness.store.putChannel(channel, null);
  harness.codearts.tasks.set(TASK_B, { name: 'codearts-name-b', state: null });
  if (codeartsDown) harness.codearts.failure = new CodeArtsError('server', 'down', { status: 503 });
  return harness;
};

/** Everything OWNER has: its subscription on each task it watches, the trail about it, and its channel item. */
const ownersView = (tasks: TaskRecord[], channels: ChannelRecord[]) => {
  const of = (taskId: string) => tasks.find((t) => t.taskId === taskId);
  return {
    subscriptions: [TASK_A, TASK_B].map((id) => of(id)?.subscriptions[OWNER] ?? null),
    trail: [TASK_A, TASK_B].map((id) => (of(id)?.audit ?? []).filter((entry) => entry.channel === OWNER)),
    channel: channels.find((c) => c.channel === OWNER) ?? null,
  };
};

const answerText = (json: unknown): string => JSON.stringify(json);

const taskIds = fc.constantFrom(TASK_A, TASK_B, TASK_NEVER_RUN, 'f'.repeat(32), TASK_A.toUpperCase());
const commands = fc.oneof(
  fc.tuple(fc.constantFrom('watch', 'unwatch', 'status'), taskIds).map(([c, id]) => `${c} ${id}`),
  fc
    .tuple(taskIds, fc.constantFrom('all', 'failures', 'status'))
    .map(([id, level]) => `watch ${id} ${level}`),
  fc.constantFrom('list', 'help', '', 'frobnicate'),
);
const otherChannels = fc.oneof(
  fc.constantFrom('C0BBBBBBB2', 'G0PRIVATE1', 'D0DIRECT01'),
  fc.stringMatching(/^C[A-Z0-9]{8,12}$/).filter((c) => c !== OWNER),
);
const otherTeams = fc.oneof(
  fc.constantFrom('T0OTHER001', 'E0GRID0001', ''),
  fc.stringMatching(/^T[A-Z0-9]{8}$/),
);

describe('signed requests from other workspaces and channels', () => {
  it('never reveal or change another channel’s watches (slash command, 1,000 generated requests)', async () => {
    const seed = await seeded();
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          command: commands,
          channel: fc.oneof(otherChannels, fc.constant(OWNER)),
          team: fc.oneof(fc.constant(TEAM), otherTeams),
          user: fc.constantFrom('U2CERLKJA', 'W0GRIDUSER', OWNER_USER),
          codeartsDown: fc.boolean(),
        }),
        async ({ command, channel, team, user, codeartsDown }) => {
          const foreignTeam = team !== TEAM;
          // OWNER itself, in its own workspace, may of course see its own watches.
          fc.pre(foreignTeam || channel !== OWNER);
          const harness = await world(seed, codeartsDown);
          const before = { tasks: harness.store.dump(), channels: harness.store.dumpChannels() };
          const event = slackEvent(slackForm(command, channel, user, team), {
            timestamp: Math.floor(NOW / 1000),
          });
          const answer = await call(harness.handler, event);
          expect(answer.status).toBe(200);
          const text = answerText(answer.json);
          for (const secret of PRIVATE) expect(text).not.toContain(secret);
          expect(text).not.toMatch(/channel_not_found|other channel|\d+ channels/);
          const after = { tasks: harness.store.dump(), channels: harness.store.dumpChannels() };
          if (foreignTeam) {
            expect(after).toEqual(before);
          } else {
            expect(ownersView(after.tasks, after.channels)).toEqual(
              ownersView(before.tasks, before.channels),
            );
          }
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('a read-only or unknown key changes nothing and reads only with a key (API, 500 generated requests)', async () => {
    const seed = await seeded();
    const bodies = fc.oneof(
      fc
        .record({ task_id: taskIds, channel: fc.constantFrom(OWNER, 'C0BBBBBBB2') })
        .map((b) => JSON.stringify(b)),
      fc.constantFrom('{"projects":null}', '{"projects":[]}', '{}'),
    );
    const requests: fc.Arbitrary<{ event: APIGatewayProxyEventV2; key: 'read' | 'none' | 'wrong' }> = fc
      .record({
        method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE'),
        path: fc.oneof(
          fc.constant('/tasks'),
          taskIds.map((id) => `/tasks/${id}`),
          fc.constantFrom(OWNER, 'C0BBBBBBB2', '%23deploys').map((c) => `/channels/${c}`),
        ),
        query: fc.constantFrom('', `channel=${OWNER}`),
        body: bodies,
        key: fc.constantFrom('read' as const, 'none' as const, 'wrong' as const),
      })
      .map(({ method, path, query, body, key }) => ({
        key,
        event: apiEvent({
          method,
          path,
          query,
          headers: {
            'content-type': 'application/json',
            ...(key === 'read' ? { authorization: `Bearer ${READ_KEY}` } : {}),
            ...(key === 'wrong' ? { authorization: `Bearer ${READ_KEY}x` } : {}),
          },
          ...(method === 'GET' || method === 'DELETE' ? {} : { body }),
        }),
      }));
    await fc.assert(
      fc.asyncProperty(requests, async ({ event, key }) => {
        const harness = await world(seed, false);
        const before = { tasks: harness.store.dump(), channels: harness.store.dumpChannels() };
        const answer = await call(harness.handler, event);
        expect({ tasks: harness.store.dump(), channels: harness.store.dumpChannels() }).toEqual(before);
        // 405: a method no route has on that path, answered before anyone is asked for a key.
        if (key !== 'read') {
          expect([401, 405]).toContain(answer.status);
          // OWNER may be in the path the caller wrote (a 405 names the path); what the store holds may not.
          for (const secret of PRIVATE.filter((p) => p !== OWNER)) expect(answer.text).not.toContain(secret);
        } else if (event.requestContext.http.method !== 'GET') {
          expect([403, 405]).toContain(answer.status);
        }
      }),
      { numRuns: 500 },
    );
  });
});
