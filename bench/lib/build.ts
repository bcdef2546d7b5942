// bench → esbuild builds: the Lambda bundles exactly as lib/constructs/function-defaults.ts has NodejsFunction
// build them, and the benchmark's own worker and child scripts (plain JavaScript, so they start without tsx).
// Output goes to bench/.build/ (git-ignored): inside the repository, so `@aws-sdk/*`, left external, resolves
// from its node_modules the way the Lambda runtime provides it.
import { statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

export const BUILD_DIR = fileURLToPath(new URL('../.build/', import.meta.url));
const repoPath = (relative: string): string => fileURLToPath(new URL(`../../${relative}`, import.meta.url));

/** The banner NodejsFunction adds, so CommonJS dependencies can still require() Node built-ins. */
const REQUIRE_BANNER =
  "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);";

export interface LambdaBundle {
  name: 'planner' | 'worker' | 'api';
  file: string;
  bytes: number;
}

/**
 * The flags NodejsFunction passes to esbuild for this stack: --bundle --target=node24 --platform=node
 * --format=esm --minify --sourcemap --sources-content=false --external:@aws-sdk/* --main-fields=module,main
 * and the require banner. The source map is a separate file and not counted in the size.
 */
export async function buildLambdaBundle(name: LambdaBundle['name']): Promise<LambdaBundle> {
  const file = `${BUILD_DIR}${name}/index.mjs`;
  await build({
    entryPoints: [repoPath(`functions/handlers/${name}.ts`)],
    outfile: file,
    bundle: true,
    target: 'node24',
    platform: 'node',
    format: 'esm',
    minify: true,
    sourcemap: true,
    sourcesContent: false,
    external: ['@aws-sdk/*'],
    mainFields: ['module', 'main'],
    banner: { js: REQUIRE_BANNER },
    logLevel: 'error',
  });
  return { name, file, bytes: statSync(file).size };
}

/** Bundles one of the benchmark's own scripts; npm packages stay external (resolved from node_modules). */
export async function buildScript(entry: string, outName: string): Promise<string> {
  const file = `${BUILD_DIR}${outName}`;
  await build({
    entryPoints: [fileURLToPath(new URL(`../${entry}`, import.meta.url))],
    outfile: file,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    packages: 'external',
    sourcemap: 'inline',
    banner: { js: REQUIRE_BANNER },
    logLevel: 'error',
  });
  return file;
}
