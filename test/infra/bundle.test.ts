import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { Asset } from 'aws-cdk-lib/aws-s3-assets';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp } from './notifier-app.js';

// The one test that bundles for real (esbuild, no Docker), as `cdk synth` does.
const outdir = mkdtempSync(join(tmpdir(), 'notifier-cdk-'));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

const POLLER_LIMIT = 300 * 1024;
const API_LIMIT = 600 * 1024;

function bundleOf(fn: NodejsFunction): { files: string[]; size: number } {
  const asset = fn.node.findChild('Code') as Asset;
  const dir = join(outdir, asset.assetPath);
  return { files: readdirSync(dir).sort(), size: statSync(join(dir, 'index.mjs')).size };
}

describe('Lambda bundles', () => {
  it('builds small ESM bundles with source maps and without the AWS SDK', { timeout: 60_000 }, () => {
    const { app, stack } = buildApp({}, { bundle: true, outdir });
    app.synth();

    const poller = bundleOf(stack.poller.fn);
    const api = bundleOf(stack.api.fn);
    console.info(`bundle sizes: poller ${poller.size} B, api ${api.size} B (minified)`);

    for (const bundle of [poller, api]) expect(bundle.files).toEqual(['index.mjs', 'index.mjs.map']);
    expect(poller.size).toBeLessThan(POLLER_LIMIT);
    expect(api.size).toBeLessThan(API_LIMIT);
  });
});
