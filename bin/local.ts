// `npm start`: the whole service on this machine (see local/run/service.ts). This file only turns the
// outcome into a process: configuration problems are printed with their fixes (exit 1), and Ctrl-C or
// SIGTERM stops everything cleanly (exit 0).
import { OutdatedTableError } from '../functions/adapters/dynamodb/create-table.js';
import { ConfigError } from '../functions/config.js';
import { DataDirInUseError } from '../local/run/data-dir.js';
import { type LocalService, startLocalService } from '../local/run/service.js';

const fail = (message: string): never => {
  process.stderr.write(`${message}\n`);
  process.exit(1);
};

// The AWS SDK's notice about its future Node requirement is for maintainers (package.json pins the engine),
// not for someone trying the service; AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=false brings it back.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

let service: LocalService | null = null;
let stopping = false;
let outputClosed = false;

const stop = (reason: string) => {
  // A second Ctrl-C means "now": the outbox keeps whatever was not delivered for the next start.
  if (stopping) process.exit(130);
  stopping = true;
  if (!outputClosed) service?.logger.info(`${reason}: stopping`);
  (service?.stop() ?? Promise.resolve()).then(
    () => process.exit(0),
    (error: unknown) => fail(`Stopping failed: ${String(error)}`),
  );
};

// Output piped into something that went away (`npm start | head`): stop as a pipeline expects, cleanly.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE' && error.code !== 'ERR_STREAM_DESTROYED') throw error;
  outputClosed = true;
  // While starting, stop once started (stopping half-way would skip the orderly shutdown).
  if (service && !stopping) stop('output closed');
});

try {
  service = await startLocalService({ env: process.env, input: process.stdin });
} catch (error) {
  if (error instanceof ConfigError)
    fail(`${error.message}\n\nFix the variables above and run \`npm start\` again.`);
  if (error instanceof DataDirInUseError || error instanceof OutdatedTableError) fail(error.message);
  throw error;
}
const { logger } = service;

// Node prints warnings straight to stderr, which would tear through a message being redrawn in place:
// send them through the service's log instead.
process.removeAllListeners('warning');
process.on('warning', (warning) => logger.warn(`${warning.name}: ${warning.message}`));

process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));
if (outputClosed) stop('output closed');
