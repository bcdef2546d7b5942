// local/codearts-simulator → a ready-to-watch demo world: a user, an AK/SK pair, a token and one
// task that keeps deploying (sometimes failing). Used by `npm run simulator` and by `npm start`
// when no CodeArts endpoint is configured.
import type { CodeArtsSimulator } from './simulator.js';

export interface DemoSetup {
  taskId: string;
  appId: string;
  token: string;
  user: { domain: string; name: string; password: string };
  accessKey: string;
  secretKey: string;
}

export const DEMO_USER = { domain: 'demo-domain', name: 'demo-user', password: 'demo-password' } as const;
export const DEMO_ACCESS_KEY = 'DEMOACCESSKEY0000000';
export const DEMO_SECRET_KEY = 'demo-secret-key-not-for-production-use';

export const seedDemo = (
  sim: CodeArtsSimulator,
  options: { everyMs?: number; failEvery?: number; stepMs?: number } = {},
): DemoSetup => {
  sim.addUser({ ...DEMO_USER });
  sim.addAccessKey(DEMO_ACCESS_KEY, DEMO_SECRET_KEY);
  const stepMs = options.stepMs ?? 8000;
  const { taskId, appId } = sim.createTask({
    name: 'gateway-prod',
    steps: [
      { name: 'Select Deployment Source', durationMs: stepMs },
      { name: 'Stop Tomcat', durationMs: stepMs },
      { name: 'Install JDK', durationMs: stepMs, enabled: false },
      { name: 'Start Spring Boot Service', durationMs: stepMs * 2 },
      { name: 'Health Test via URL', durationMs: stepMs },
    ],
    listing: 'reached',
  });
  sim.autoDeploy(taskId, { everyMs: options.everyMs ?? 120_000, failEvery: options.failEvery ?? 3 });
  return {
    taskId,
    appId,
    token: sim.issueToken(),
    user: { ...DEMO_USER },
    accessKey: DEMO_ACCESS_KEY,
    secretKey: DEMO_SECRET_KEY,
  };
};
