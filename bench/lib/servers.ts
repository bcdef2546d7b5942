// bench → the stand-ins for the remote services (dynalite, the CodeArts simulator, the fake Slack), run in a
// worker thread. On AWS their work happens on other machines; sharing the poller's event loop with them
// would bill the poller for the simulator's CPU. The main thread drives them through a small RPC.
// This file is bundled by esbuild (bench/lib/build.ts) and started with `new Worker`.
import { parentPort, workerData } from 'node:worker_threads';
import { CodeArtsSimulator, type RunScript, type TaskSpec } from '../../local/codearts-simulator/index.js';
import { startEmbeddedDynamo } from '../../local/dynalite.js';
import { FakeSlack } from '../../local/fake-slack/index.js';
import { VirtualClock } from './virtual-clock.js';

export interface ServersReady {
  type: 'ready';
  dynamoEndpoint: string;
  codeartsUrl: string;
  codeartsToken: string;
  slackUrl: string;
  slackToken: string;
}

export interface RpcOp {
  op: string;
  args: unknown[];
}
export type RpcRequest = { id: number; ops: RpcOp[] };
export type RpcResponse = { id: number; results: unknown[] } | { id: number; error: string };

async function main(): Promise<void> {
  const port = parentPort;
  if (port === null) throw new Error('servers.ts runs as a worker thread');
  const clock = new VirtualClock({ shared: (workerData as { shared: SharedArrayBuffer }).shared });
  const codeartsCalls = new Map<string, number>();
  /** Requests by route (path with IDs elided), to tell /state polls from history and feed calls. */
  const callsByPath = new Map<string, number>();
  const [dynamo, sim, slack] = await Promise.all([
    startEmbeddedDynamo(),
    CodeArtsSimulator.start({
      clock,
      // A short request log: the simulator trims it with splice, which costs O(log size) per request.
      maxLogEntries: 1000,
      onRequest: (entry) => {
        if (entry.taskId) codeartsCalls.set(entry.taskId, (codeartsCalls.get(entry.taskId) ?? 0) + 1);
        const route = `${entry.method} ${entry.path.replace(/[0-9a-f]{32}/g, '{id}')}`;
        callsByPath.set(route, (callsByPath.get(route) ?? 0) + 1);
      },
    }),
    FakeSlack.start({ now: () => clock.now() }),
  ]);

  const run = (op: string, args: unknown[]): unknown => {
    switch (op) {
      case 'createTask':
        return sim.createTask(args[0] as TaskSpec);
      case 'createProject':
        return sim.createProject(args[0] as { name?: string });
      case 'startRun':
        return sim.startRun(args[0] as string, args[1] as RunScript);
      case 'autoDeploy':
        return sim.autoDeploy(args[0] as string, args[1] as { everyMs: number; failEvery?: number });
      case 'runs':
        return sim.runs(args[0] as string);
      case 'setLatency': {
        const [codeartsMs, slackMs] = args as [number, number];
        sim.latencyMs = codeartsMs;
        slack.latencyMs = slackMs;
        return null;
      }
      case 'slackCallCount':
        return slack.calls.length;
      case 'slackCalls':
        return slack.calls.slice(args[0] as number);
      case 'slackMessages':
        return slack.messages();
      case 'codeartsCalls':
        return [...codeartsCalls];
      case 'codeartsCallsByPath': {
        const out = [...callsByPath];
        return out;
      }
      default:
        throw new Error(`unknown op ${op}`);
    }
  };

  port.on('message', (message: RpcRequest | { type: 'stop' }) => {
    if ('type' in message) {
      void Promise.all([sim.stop(), slack.stop(), dynamo.stop()]).then(() => port.close());
      return;
    }
    try {
      const results = message.ops.map(({ op, args }) => run(op, args));
      port.postMessage({ id: message.id, results } satisfies RpcResponse);
    } catch (error) {
      port.postMessage({ id: message.id, error: String(error) } satisfies RpcResponse);
    }
  });
  port.postMessage({
    type: 'ready',
    dynamoEndpoint: dynamo.endpoint,
    codeartsUrl: sim.url,
    codeartsToken: sim.issueToken(),
    slackUrl: slack.url,
    slackToken: slack.token,
  } satisfies ServersReady);
}

if (parentPort !== null) void main();
