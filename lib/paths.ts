import { fileURLToPath } from 'node:url';

// Paths are resolved from this file, not from the process's working directory, so `cdk synth`, vitest and
// an IDE all find the same files wherever they are started. lib/ only ever points at functions/ by path:
// the Lambda code is bundled by esbuild, never imported into the CDK app.

/** The repository root (the folder holding package.json and package-lock.json). */
export const REPO_ROOT = fileURLToPath(new URL('../', import.meta.url));

/** The lock file NodejsFunction hashes and bundles against. */
export const LOCK_FILE = fileURLToPath(new URL('../package-lock.json', import.meta.url));

/** Lambda entry points, one per function (composition roots). */
export const ENTRY = {
  planner: fileURLToPath(new URL('../functions/handlers/planner.ts', import.meta.url)),
  worker: fileURLToPath(new URL('../functions/handlers/worker.ts', import.meta.url)),
  api: fileURLToPath(new URL('../functions/handlers/api.ts', import.meta.url)),
} as const;
