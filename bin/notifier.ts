// bin → `notifier`, the CLI over the notifier's HTTP API (see bin/cli/main.ts for the commands).
import { runCli } from './cli/main.js';

process.exitCode = await runCli(process.argv.slice(2), {
  env: process.env,
  stdout: (line) => process.stdout.write(`${line}\n`),
  stderr: (line) => process.stderr.write(`${line}\n`),
});
