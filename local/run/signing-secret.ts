// local/run → the Slack signing secret of the local run: SLACK_SIGNING_SECRET when set, else (with Slack drawn in
// the terminal, where no Slack app signs anything) one generated on first start and kept in the data directory,
// owner-only, so the prompt and `notifier slack press` can sign presses the way Slack would.
import { randomBytes } from 'node:crypto';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const SIGNING_SECRET_FILE = 'slack-signing-secret';

export function loadOrCreateSigningSecret(
  configured: string | undefined,
  dataDir: string,
): { secret: string; file: string | null } {
  if (configured !== undefined) return { secret: configured, file: null };
  const file = join(dataDir, SIGNING_SECRET_FILE);
  let secret = read(file);
  if (secret === null) {
    secret = randomBytes(16).toString('hex');
    try {
      writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
    } catch (error) {
      const existing = (error as NodeJS.ErrnoException).code === 'EEXIST' ? read(file) : null;
      if (existing === null)
        throw new Error(`${file} holds no usable signing secret: delete it`, { cause: error });
      secret = existing;
    }
  }
  chmodSync(file, 0o600);
  return { secret, file };
}

function read(file: string): string | null {
  try {
    const secret = readFileSync(file, 'utf8').trim();
    return secret.length >= 16 ? secret : null;
  } catch {
    return null;
  }
}
