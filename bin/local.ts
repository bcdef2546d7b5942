// `npm start`: the whole service on this machine (see local/run/service.ts). This file only turns the
// outcome into a process: configuration problems are printed with their fixes (exit 1), and Ctrl-C or
// SIGTERM stops everything cleanly (exit 0).
import { ConfigError } from '../functions/config.js';
import { DataDirInUseError } from '../local/run/dynamo.js';
import { startLocalService } from '../local/run/service.js';

const fail = (message: string): never => {
  process.stderr.write(`${message}\n`);
  process.exit(1);
};

// The AWS SDK's notice about its future Node requirement is for maintainers (package.json pins the engine),
// not for someone trying the service; AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=false brings it back.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

let service: Awaited<ReturnType<typeof startLocalService>>;
try {
  service = await startLocalService({ env: process.env });
} catch (error) {
  if (error instanceof ConfigError)
    fail(`${error.message}\n\nFix the variables above and run \`npm start\` again.`);
  if (error instanceof DataDirInUseError) fail(error.message);
  throw error;
}

// Node prints warnings straight to stderr, which would tear through a message being redrawn in place:
// send them through the service's log instead.
process.removeAllListeners('warning');
process.on('warning', (warning) => service.logger.warn(`${warning.name}: ${warning.message}`));

let signals = 0;
const shutdown = (signal: NodeJS.Signals) => {
  // A second Ctrl-C means "now": the outbox keeps whatever was not delivered for the next start.
  if (++signals > 1) process.exit(130);
  service.logger.info(`${signal}: stopping`);
  service.stop().then(
    () => process.exit(0),
    (error: unknown) => fail(`Stopping failed: ${String(error)}`),
  );
};
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
