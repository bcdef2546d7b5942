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

export interface MemoryResult {
  rssAtStartMB: number;
  rssAfterImportMB: number;
  /** Highest RSS sampled every 10 ms during the invocation. */
  peakRssMB: number;
  /** The kernel's high-water mark for the process (getrusage maxrss). */
  maxRssMB: number;
  heapUsedAfterImportMB: number;
  peakHeapUsedMB: number;
  seconds: number;
  tasks: number;
  polls: number;
  events: number;
  taskErrors: number;
  codeartsFailures: number;
  /** What the invocation wrote to stdout: its CloudWatch log volume (Powertools log lines and EMF metrics). */
  logBytes: number;
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

/** Invokes the poller bundle's handler once in its own process, configured as the stack configures it. */
export async function measurePollerMemory(
  memoryScript: string,
  pollerBundle: string,
  budgetMs: number,
  env: Record<string, string>,
): Promise<MemoryResult> {
  const { message, stdoutBytes } = await runChild<Omit<MemoryResult, 'logBytes'>>(
    memoryScript,
    [pollerBundle, String(budgetMs)],
    {
      // What lib/constructs/function-defaults.ts and poller.ts set on the function.
      NODE_OPTIONS: '--enable-source-maps',
      POWERTOOLS_SERVICE_NAME: 'poller',
      POWERTOOLS_METRICS_NAMESPACE: 'CodeArtsNotifier',
      POWERTOOLS_LOG_LEVEL: 'INFO',
      AWS_REGION: 'us-east-1',
      AWS_LAMBDA_FUNCTION_NAME: 'CodeArtsNotifier-Poller',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '256',
      CODEARTS_CONCURRENCY: '8',
      ...env,
    },
  );
  return { ...message, logBytes: stdoutBytes };
}
