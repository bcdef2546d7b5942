import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { Asset } from 'aws-cdk-lib/aws-s3-assets';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp } from './notifier-app.js';

// The one test that bundles for real (esbuild, no Docker), as `cdk synth` does.
const outdir = mkdtempSync(join(tmpdir(), 'notifier-cdk-'));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

// Cold starts grow with the bundle. The planner needs no Slack client, so it stays the smallest; the worker
// carries CodeArts, DynamoDB and Slack code, as the poller did (177 KB).
const PLANNER_LIMIT = 250 * 1024;
const WORKER_LIMIT = 300 * 1024;
const API_LIMIT = 600 * 1024;

function bundleOf(fn: NodejsFunction): { files: string[]; size: number; code: string } {
  const asset = fn.node.findChild('Code') as Asset;
  const dir = join(outdir, asset.assetPath);
  const file = join(dir, 'index.mjs');
  return { files: readdirSync(dir).sort(), size: statSync(file).size, code: readFileSync(file, 'utf8') };
}

/** Every mention of an `@aws-sdk/` package must be an ESM import of it, i.e. left to the runtime. */
function sdkMentionsThatAreNotImports(code: string): number {
  const mentions = code.match(/["']@aws-sdk\//g)?.length ?? 0;
  const imports = code.match(/(from\s*|import\s*\(\s*|import\s*)["']@aws-sdk\//g)?.length ?? 0;
  return mentions - imports;
}

describe('Lambda bundles', () => {
  it('builds small ESM bundles with source maps and without the AWS SDK', { timeout: 120_000 }, () => {
    const { app, stack } = buildApp({}, { bundle: true, outdir });
    app.synth();

    const planner = bundleOf(stack.planner.fn);
    const worker = bundleOf(stack.worker.fn);
    const api = bundleOf(stack.api.fn);
    console.info(
      `bundle sizes: planner ${planner.size} B, worker ${worker.size} B, api ${api.size} B (minified)`,
    );

    for (const bundle of [planner, worker, api]) {
      expect(bundle.files).toEqual(['index.mjs', 'index.mjs.map']);
      expect(sdkMentionsThatAreNotImports(bundle.code)).toBe(0);
      // The DynamoDB JSON protocol's target prefix exists only inside the SDK client's serializer.
      expect(bundle.code).not.toContain('DynamoDB_20120810');
    }
    // Each bundle is its own entry point, not one shared bundle.
    expect(new Set([planner.code, worker.code, api.code]).size).toBe(3);
    // The planner never talks to Slack: @slack/web-api (which names itself in its user agent) stays out.
    expect(planner.code).not.toContain('@slack/web-api');
    expect(planner.size).toBeLessThan(PLANNER_LIMIT);
    expect(worker.size).toBeLessThan(WORKER_LIMIT);
    expect(api.size).toBeLessThan(API_LIMIT);

    // This synth also ran CDK's built-in CloudFormation validation and cdk-nag, as `cdk synth` does.
    const report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8'));
    expect(report.pluginReports).toEqual([]);
  });
});
