// local/run → one `npm start` per data directory. The embedded DynamoDB's files cannot be shared (a second
// process would fail deep inside dynalite), so a pid file claims the directory. A pid file left by a
// process that died (kill -9, a crash) is taken over: that is the normal way back after a crash.
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export class DataDirInUseError extends Error {
  override readonly name = 'DataDirInUseError';
}

export interface DataDirLock {
  /** Whether a previous process died holding the directory (its poll cycle may have been cut short). */
  tookOverFromDeadProcess: boolean;
  release(): void;
}

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else, which still means alive.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

export function lockDataDir(dataDir: string): DataDirLock {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  // mkdir's mode only applies to a directory it creates: one that already existed (made by hand, or by an
  // older version) keeps whatever mode it had. The API key and every watch live here, so owner-only, always.
  chmodSync(dataDir, 0o700);
  const file = join(dataDir, 'npm-start.pid');
  let tookOver = false;
  for (let attempt = 0; ; attempt++) {
    try {
      writeFileSync(file, `${process.pid}\n`, { flag: 'wx', mode: 0o600 });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw error;
    }
    const holder = Number(readFileSync(file, 'utf8').trim());
    if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && isAlive(holder)) {
      throw new DataDirInUseError(
        `${dataDir} is in use by another \`npm start\` (pid ${holder}); stop it, or set NOTIFIER_DATA_DIR to another directory`,
      );
    }
    rmSync(file, { force: true });
    tookOver = true;
  }
  return {
    tookOverFromDeadProcess: tookOver,
    release: () => {
      try {
        if (Number(readFileSync(file, 'utf8').trim()) === process.pid) rmSync(file, { force: true });
      } catch {
        // Already gone: nothing to release.
      }
    },
  };
}
