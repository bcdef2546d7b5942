// local/run → the local API key: NOTIFIER_API_KEY when set, else one generated on first start and kept
// in the data directory (owner-only), so the curl commands printed yesterday still work today.
import { randomBytes } from 'node:crypto';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ApiKey } from '../../functions/config.js';

export interface ApiKeyInfo {
  keys: ApiKey[];
  /** The key to show in examples: the first write key. */
  key: string;
  /** Where it is kept; null when it came from NOTIFIER_API_KEY. */
  file: string | null;
}

/** The name the generated key goes by in the audit trail and the log. */
export const LOCAL_KEY_NAME = 'local';

export function loadOrCreateApiKey(configured: ApiKey[], dataDir: string): ApiKeyInfo {
  const first = configured.find((key) => key.scope === 'write') ?? configured[0];
  if (first !== undefined) return { keys: configured, key: first.key, file: null };
  const file = join(dataDir, 'api-key');
  let key = readKey(file);
  if (key === null) {
    key = randomBytes(24).toString('base64url');
    try {
      // 'wx': never overwrite a key another start wrote a moment ago.
      writeFileSync(file, `${key}\n`, { mode: 0o600, flag: 'wx' });
    } catch (error) {
      const existing = (error as NodeJS.ErrnoException).code === 'EEXIST' ? readKey(file) : null;
      if (existing === null) {
        throw new Error(
          `${file} holds no usable API key (16 characters or more): delete it to have a new one made`,
          {
            cause: error,
          },
        );
      }
      key = existing;
    }
  }
  // The key guards the local API: keep it owner-only even if the file was copied around.
  chmodSync(file, 0o600);
  return { keys: [{ name: LOCAL_KEY_NAME, scope: 'write', key }], key, file };
}

function readKey(file: string): string | null {
  try {
    const key = readFileSync(file, 'utf8').trim();
    return key.length >= 16 ? key : null;
  } catch {
    return null;
  }
}
