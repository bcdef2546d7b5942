// bench → runs the child scripts (bench/child/) in fresh Node processes: no tsx loader, no benchmark state,
// only what a Lambda container would hold.
import { fork } from 'node:child_process';

export interface LoadTime {
  /** Median over the runs of `await import(bundle)`. */
  importMs: number;
  /** Median time from process start to the bundle loaded (Node's bootstrap included). */
  sinceProcessStartMs: number;
  runs: number;
}

function runChild<T>(
  script: string,
  args: string[],
  env: Record<string, string>,
  execArgv: string[] = [],
): Promise<{ message: T; stdoutBytes: number }> {
  return new Promise((resolve, reject) => {
    const { NODE_OPTIONS: _inherited, ...base } = process.env;
    const child = fork(script, args, {
      execArgv,
      env: { ...base, ...env },
      stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    });
    let stdoutBytes = 0;
    let message: T | undefined;
    child.stdout?.on('data', (chunk: Buffer) => {
      stdoutBytes += chunk.length;
    });
    child.on('message', (m) => {
      message = m as T;
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (message === undefined) reject(new Error(`${script} exited with ${code} without a result`));
      else resolve({ message, stdoutBytes });
    });
  });
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};

export async function measureLoadTime(loadScript: string, bundle: string, runs: number): Promise<LoadTime> {
  const results: Array<{ importMs: number; sinceProcessStartMs: number }> = [];
  for (let i = 0; i < runs; i++) {
    results.push((await runChild<(typeof results)[number]>(loadScript, [bundle], {})).message);
  }
  return {
    importMs: median(results.map((r) => r.importMs)),
    sinceProcessStartMs: median(results.map((r) => r.sinceProcessStartMs)),
    runs,
  };
}
