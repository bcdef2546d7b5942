// The newcomer's `npm start` again, this time acting from the terminal Slack: the demo watch's operator stops the
// running demo deployment by typing `stop` at the prompt and re-runs it with `rerun`, then stops the new run with a
// signed press from `npx notifier slack press` (the CLI, in-process). What counts is what the terminal shows.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../bin/cli/main.js';
import { verifySlackSignature } from '../../../functions/handlers/http/slack-signature.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const TASK = 'de9107ed000000000000000000000001';

async function waitFor(what: string, check: () => boolean, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 100));
  }
}

const count = (text: string, part: string) => text.split(part).length - 1;

describe('npm start: the demo run stopped and re-run from the terminal', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'notifier-buttons-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('shows the buttons, and takes presses typed at the prompt and sent by the CLI', async () => {
    const inherited = Object.fromEntries(
      ['PATH', 'HOME', 'TMPDIR', 'SystemRoot'].flatMap((name) =>
        process.env[name] ? [[name, process.env[name]]] : [],
      ),
    );
    const child = spawn(process.execPath, ['--import', 'tsx', 'bin/local.ts'], {
      cwd: ROOT,
      env: { ...inherited, PORT: '0', NOTIFIER_DATA_DIR: dataDir, NO_COLOR: '1' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
    try {
      await waitFor('the banner', () => /^API listening on http:\/\/127\.0\.0\.1:\d+$/m.test(output), 40_000);
      expect(output).toContain('type stop, rerun or rollback here');
      const apiUrl = /^API listening on (\S+)$/m.exec(output)?.[1] ?? '';
      const apiKey = /API key +(\S{32})/.exec(output)?.[1] ?? '';

      await waitFor('the stop button on the running demo run', () => output.includes('[ ⏹️ Stop ]'), 40_000);
      child.stdin.write('stop\n');
      await waitFor('the stop told in the thread', () => output.includes('⏹️ Stopped by @U0LOCALOPS'), 20_000);
      await waitFor('the run aborted, with a re-run button', () => output.includes('[ 🔁 Re-run ]'), 20_000);
      expect(output).toContain('Deployment was aborted');

      child.stdin.write('rerun\n');
      await waitFor(
        'the re-run told in the thread',
        () => /🔁 Re-run by @U0LOCALOPS → new run `[0-9a-f]{8}`/.test(output),
        20_000,
      );
      const newRun = /→ new run `([0-9a-f]{8})`/.exec(output)?.[1] ?? '';
      await waitFor('the new run’s own living message', () => output.includes(`record/${newRun}`), 20_000);

      // The same press from the CLI, signed with the local signing secret; --curl first, to see what it would send.
      const secretFile = join(dataDir, 'slack-signing-secret');
      const press = ['slack', 'press', 'stop', TASK, '--channel', '#deployments', '--user', 'U0LOCALOPS'];
      const io = (out: string[]) => ({
        env: { NOTIFIER_ENDPOINT: apiUrl, NOTIFIER_API_KEY: apiKey },
        stdout: (line: string) => out.push(line),
        stderr: (line: string) => out.push(line),
      });
      const curl: string[] = [];
      expect(
        await runCli(
          [...press, '--team', 'T0LOCAL00', '--signing-secret-file', secretFile, '--curl'],
          io(curl),
        ),
      ).toBe(0);
      const command = curl.join('\n');
      const timestamp = /x-slack-request-timestamp: (\d+)/.exec(command)?.[1];
      const signature = /x-slack-signature: (v0=[0-9a-f]{64})/.exec(command)?.[1];
      const body = /--data-raw '([^']+)'/.exec(command)?.[1] ?? '';
      expect(command).toContain(`curl -s -X POST '${apiUrl}/slack/interactions'`);
      expect(
        verifySlackSignature({
          signingSecret: readFileSync(secretFile, 'utf8').trim(),
          timestamp,
          signature,
          body,
          nowMs: Date.now(),
        }),
      ).toEqual({ ok: true });

      const sent: string[] = [];
      expect(
        await runCli([...press, '--team', 'T0LOCAL00', '--signing-secret-file', secretFile], io(sent)),
      ).toBe(0);
      expect(sent.join('\n')).toContain('Pressed stop on run');
      await waitFor('the second stop', () => count(output, '⏹️ Stopped by @U0LOCALOPS') === 2, 20_000);

      child.kill('SIGINT');
      expect(await exited).toBe(0);
    } catch (error) {
      throw new Error(`${String(error)}\n--- npm start output ---\n${output.slice(-8000)}`, { cause: error });
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  }, 150_000);
});
