// DynamoDB faults injected at the SDK client (a middleware on the document client): throttling, conditional-check
// failures (injected, and real ones from a competing registration write), and timeouts before and after a write.
import { type Figures, Fleet, runScenario } from '../support/fleet.js';

/** ProvisionedThroughputExceededException on task writes, reads, the task listing and the lease. */
export async function dynamoThrottling(): Promise<Figures & { failedCycles: number }> {
  // A run whose observation could not be written while it was the latest is beyond recovery (see the report):
  // runs here outlast a refused lease release (the lease then runs out on its own, a minute later) and a few
  // failed writes in a row.
  const fleet = await Fleet.start({ seed: 51, minVisibleMs: 100_000 });
  const figures = await runScenario(fleet, 'DynamoDB throttling', async (f) => {
    const { rig } = f;
    await f.play({
      minCycles: 16,
      maxCycles: 16,
      before: (i) => {
        if (i < 2) return;
        // Each cycle hits other writes (the tasks come in the same order every time).
        rig.injectDynamo({ command: 'PutItemCommand', kind: 'throttle', skip: i % 4, times: 2 });
        rig.injectDynamo({ command: 'GetItemCommand', kind: 'throttle' });
        if (i % 6 === 0) rig.injectDynamo({ command: 'QueryCommand', kind: 'throttle' });
        if (i % 6 === 3) rig.injectDynamo({ command: 'UpdateItemCommand', kind: 'throttle' });
        if (i % 6 === 4) rig.injectDynamo({ command: 'UpdateItemCommand', kind: 'throttle', skip: 1 }); // the release
      },
    });
    rig.clearDynamoFaults();
    return f.recover();
  });
  return { ...figures, failedCycles: fleet.outcomes.filter((o) => o.error !== undefined).length };
}

/**
 * ConditionalCheckFailedException: injected on task writes, and caused for real by a registration that changes a
 * subscription (its mentions) just before the poller's write, so the poller re-reads and applies its change again.
 */
export async function dynamoConditionalFailures(): Promise<
  Figures & { competingWrites: number; registrationsKept: boolean }
> {
  const fleet = await Fleet.start({ seed: 52, rig: { workers: 3, callsPerWorker: 2 } });
  let mention = 0;
  const lastMentions = new Map<string, string[]>();
  let registrationsKept = true;
  const figures = await runScenario(
    fleet,
    'DynamoDB conditional-check failures',
    async (f) => {
      const { rig } = f;
      const competingWrite = async (taskId: string) => {
        const sub = f.subscriptions.find((s) => s.taskId === taskId)!;
        const task = f.tasks.find((t) => t.taskId === taskId)!;
        const mentions = [`U0MENTION${++mention}`];
        await rig.watch({
          taskId,
          taskName: task.name,
          channel: sub.channel,
          options: { notify: 'all', mode: sub.mode, mentions },
        });
        lastMentions.set(`${taskId}/${sub.channel}`, mentions);
      };
      await f.play({
        minCycles: 16,
        maxCycles: 16,
        before: (i) => {
          if (i < 2) return;
          rig.injectDynamo({
            command: 'PutItemCommand',
            kind: 'conditional',
            skip: i % 3,
            times: 1 + (i % 2),
          });
          rig.injectDynamo({
            command: 'PutItemCommand',
            kind: 'concurrent-write',
            write: competingWrite,
            skip: i % 4,
            times: 2,
          });
        },
      });
      rig.clearDynamoFaults();
      return f.recover();
    },
    async () => {
      // The poller re-applied its change on top of each registration; none was undone.
      for (const [key, mentions] of lastMentions) {
        const [taskId, channel] = key.split('/') as [string, string];
        const record = await fleet.rig.store.getTask(taskId);
        registrationsKept &&=
          JSON.stringify(record?.subscriptions[channel]?.mentions) === JSON.stringify(mentions);
      }
    },
  );
  return {
    ...figures,
    competingWrites: fleet.rig.dynamoFaultsFired['concurrent-write'] ?? 0,
    registrationsKept,
  };
}

/**
 * Timeouts on task writes, both before the write (nothing applied) and after it (applied, answer lost), with
 * running deployments re-polled within each cycle, so a cycle goes on from a record it could not confirm.
 */
export async function dynamoTimeouts(): Promise<Figures> {
  const fleet = await Fleet.start({
    seed: 53,
    minVisibleMs: 40_000,
    rig: { workers: 3, callsPerWorker: 2, activePollSeconds: 5 },
  });
  return runScenario(fleet, 'DynamoDB timeouts (before and after the write)', async (f) => {
    const { rig } = f;
    await f.play({
      minCycles: 12,
      maxCycles: 12,
      before: (i) => {
        if (i < 1) return;
        rig.injectDynamo({ command: 'PutItemCommand', kind: 'timeout-after-write', skip: i % 3, times: 2 });
        rig.injectDynamo({ command: 'PutItemCommand', kind: 'timeout', times: 1 });
        rig.injectDynamo({ command: 'PutItemCommand', kind: 'timeout-after-write', skip: i % 4, times: 2 });
        if (i % 3 === 0) rig.injectDynamo({ command: 'GetItemCommand', kind: 'timeout' });
      },
    });
    rig.clearDynamoFaults();
    return f.recover();
  });
}

/**
 * The task listing (a query on an eventually consistent index) answers with the previous cycle's items now and
 * then, while Slack loses answers: a cycle starts from an out-of-date record, its write conflicts, and it goes on
 * from the fresh one, whose pending changes an earlier cycle may already have posted.
 */
export async function dynamoStaleListing(): Promise<Figures> {
  const fleet = await Fleet.start({ seed: 54 });
  return runScenario(fleet, 'DynamoDB stale task listing, Slack answers lost', async (f) => {
    const { rig } = f;
    await f.play({
      minCycles: 16,
      maxCycles: 16,
      before: (i) => {
        if (i < 1) return;
        if (i % 2 === 0) rig.injectDynamo({ command: 'QueryCommand', kind: 'stale-read' });
        rig.slack.inject({ kind: 'lose-response', method: 'chat.postMessage', times: 2 });
      },
    });
    rig.clearDynamoFaults();
    rig.slack.clearFaults();
    return f.recover();
  });
}

/**
 * Every task write refused for a while (throttled) while runs come and go faster than that: no observation of
 * those runs is ever stored, so once writes succeed again the poller finds them in the task's history.
 */
export async function dynamoWritesRefusedShorterRuns(): Promise<Figures> {
  const fleet = await Fleet.start({ seed: 56, minVisibleMs: 0, runsPerTask: 8 });
  return runScenario(fleet, 'DynamoDB writes refused longer than the runs (history)', async (f) => {
    const { rig } = f;
    await f.play({
      minCycles: 14,
      maxCycles: 14,
      before: (i) => {
        if (i === 3) rig.injectDynamo({ command: 'PutItemCommand', kind: 'throttle', times: 10_000 });
      },
    });
    rig.clearDynamoFaults();
    return f.recover();
  });
}
