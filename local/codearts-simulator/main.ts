// `npm run simulator`: a CodeArts Deploy + IAM simulator on localhost with a demo task that keeps
// deploying. PORT (default 4010), HOST (default 127.0.0.1), SIM_SPEED (clock speed, default 1),
// SIM_LATENCY_MS (default 0), SIM_RATE_LIMIT (calls per token per minute, default unlimited).
// The routes, faults and controls are listed in README.md beside this file.
import { SystemClock } from './clock.js';
import { seedDemo } from './demo.js';
import { CodeArtsSimulator } from './simulator.js';

const numberFromEnv = (name: string, fallback: number | null): number | null => {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) {
    console.error(`${name} must be a non-negative number, got "${raw}"`);
    process.exit(1);
  }
  return value;
};

const sim = await CodeArtsSimulator.start({
  port: numberFromEnv('PORT', 4010) ?? 4010,
  host: process.env.HOST ?? '127.0.0.1',
  clock: new SystemClock({ speed: numberFromEnv('SIM_SPEED', 1) ?? 1 }),
  latencyMs: numberFromEnv('SIM_LATENCY_MS', 0) ?? 0,
  rateLimitPerMinute: numberFromEnv('SIM_RATE_LIMIT', null),
  onRequest: (e) => {
    const query = new URLSearchParams(e.query).toString();
    console.log(
      `${new Date().toISOString()} ${e.method} ${e.path}${query ? `?${query}` : ''} → ${e.status} ` +
        `auth=${e.auth}${e.fault ? ` fault=${e.fault}` : ''} id=${e.requestId}`,
    );
  },
});
const demo = seedDemo(sim);

console.log(`CodeArts simulator listening on ${sim.url}
  CODEARTS_ENDPOINT=${sim.url}
  HUAWEI_IAM_ENDPOINT=${sim.url}
  password auth: HUAWEI_DOMAIN_NAME=${demo.user.domain} HUAWEI_USER_NAME=${demo.user.name} HUAWEI_PASSWORD=${demo.user.password}
  AK/SK auth:    HUAWEI_ACCESS_KEY=${demo.accessKey} HUAWEI_SECRET_KEY=${demo.secretKey}
  demo task:     ${demo.taskId} (deploys every 2 minutes, every 3rd run fails)
  project:       ${sim.projectId}

  TOKEN=${demo.token}

  curl -s -H "X-Auth-Token: $TOKEN" '${sim.url}/v2/tasks/${demo.taskId}/state?step_state=true'
  curl -s -X POST -H "X-Auth-Token: $TOKEN" ${sim.url}/v1/applications/list -d '{"project_id":"${sim.projectId}","page":1,"size":100}'
  curl -s -X POST ${sim.url}/_sim/tasks/${demo.taskId}/runs -d '{"outcome":"failed","failAtStep":1}'
  curl -s -X PUT ${sim.url}/_sim/tasks/${demo.taskId}/next-run -d '{"slowStep":{"step":1,"durationMs":600000}}'
  curl -s ${sim.url}/_sim/state`);

const shutdown = (): void => {
  sim.stop().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
