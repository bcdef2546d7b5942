// The newcomer's `npm start`: no CodeArts, no Slack, no AWS configured. The built-in simulator deploys the
// demo task, and its living message and thread replies appear in the terminal within seconds.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../../..');

async function waitFor<T>(
  what: string,
  check: () => T | undefined | null | false,
  timeoutMs: number,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 100));
  }
}

describe('npm start with nothing configured (the demo)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'notifier-demo-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('shows the demo deployment in the terminal, then stops cleanly on SIGINT', async () => {
    const inherited = Object.fromEntries(
      ['PATH', 'HOME', 'TMPDIR', 'SystemRoot'].flatMap((name) =>
        process.env[name] ? [[name, process.env[name]]] : [],
      ),
    );
    const child = spawn(process.execPath, ['--import', 'tsx', 'bin/local.ts'], {
      cwd: ROOT,
      env: { ...inherited, PORT: '0', NOTIFIER_DATA_DIR: dataDir, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
    try {
      await waitFor('the banner', () => /^API listening on http:\/\/127\.0\.0\.1:\d+$/m.test(output), 40_000);
      expect(output).toContain('built-in simulator at http://127.0.0.1:');
      expect(output).toContain('shown here in the terminal');
      expect(output).toMatch(/API key +\S{32}/);
      // The living message of the first demo run, then its first thread reply.
      await waitFor('the living message', () => /^#deployments \d\d:\d\d:\d\d/m.test(output), 30_000);
      expect(output).toMatch(/(⏳|🔄) gateway-prod/);
      await waitFor('a step finishing', () => output.includes('Select Deployment Source finished'), 40_000);
      expect(output).toMatch(/↳ reply in thread of/);
      expect(statSync(join(dataDir, 'api-key')).mode & 0o777).toBe(0o600);

      child.kill('SIGINT');
      expect(await exited).toBe(0);
      expect(() => statSync(join(dataDir, 'npm-start.pid'))).toThrow();
    } catch (error) {
      throw new Error(`${String(error)}\n--- npm start output ---\n${output}`, { cause: error });
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  }, 90_000);
});
