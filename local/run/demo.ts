// local/run → the demo world of `npm start` without CODEARTS_ENDPOINT: the CodeArts simulator in-process,
// one task with five named steps that deploys every couple of minutes (every other run fails at some
// step, with its FAQ link), watched in #deployments from the first start.
import type { CodeArtsAuth } from '../../functions/shared/codearts-auth.js';
import { CodeArtsSimulator, SystemClock } from '../codearts-simulator/index.js';

/** Fixed, so a restart finds the watch it registered last time. */
export const DEMO_TASK_ID = 'de9107ed000000000000000000000001';
export const DEMO_TASK_NAME = 'gateway-prod';
export const DEMO_CHANNEL = '#deployments';
export const DEMO_EVERY_MS = 120_000;
export const DEMO_FAIL_EVERY = 2;

/** About half a minute per run: long enough to watch each step, short enough to see the end. */
export const DEMO_STEPS = [
  { name: 'Select Deployment Source', durationMs: 4_000 },
  { name: 'Stop Service', durationMs: 5_000 },
  { name: 'Install Package', durationMs: 8_000 },
  { name: 'Start Service', durationMs: 6_000 },
  { name: 'Health Check', durationMs: 5_000 },
];

/**
 * The simulator control the banner offers for a stuck step: the next run sits 7 minutes in Install Package (usually
 * 8 s), past the stuck rule's 5 minutes, so it gets one notice, then the all-clear.
 */
export const DEMO_SLOW_NEXT_RUN = { slowStep: { step: 2, durationMs: 420_000 } } as const;

/** Credentials that exist only inside the simulator; they exercise the real IAM token path. */
const DEMO_USER = { domain: 'demo-domain', name: 'demo-user', password: 'demo-password' };

export interface DemoCodeArts {
  simulator: CodeArtsSimulator;
  taskId: string;
  taskName: string;
  channel: string;
  /** What the notifier's CodeArts client should log in with. */
  auth: CodeArtsAuth;
  /** Starts the deploy schedule; the first run starts at once. */
  startDeploying(): void;
  stop(): Promise<void>;
}

export async function startDemoCodeArts(region: string): Promise<DemoCodeArts> {
  const simulator = await CodeArtsSimulator.start({
    region,
    clock: new SystemClock(),
    // The request log is for tests; a demo left running for days should not hoard it.
    maxLogEntries: 1000,
  });
  simulator.addUser({ ...DEMO_USER });
  simulator.createTask({ id: DEMO_TASK_ID, name: DEMO_TASK_NAME, steps: DEMO_STEPS });
  return {
    simulator,
    taskId: DEMO_TASK_ID,
    taskName: DEMO_TASK_NAME,
    channel: DEMO_CHANNEL,
    auth: {
      type: 'password',
      domainName: DEMO_USER.domain,
      userName: DEMO_USER.name,
      password: DEMO_USER.password,
      projectName: region,
    },
    startDeploying: () =>
      simulator.autoDeploy(DEMO_TASK_ID, { everyMs: DEMO_EVERY_MS, failEvery: DEMO_FAIL_EVERY }),
    stop: () => simulator.stop(),
  };
}
