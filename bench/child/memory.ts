// bench child → the poller Lambda as deployed, in a process of its own: imports the bundle, then invokes its
// handler once with a Lambda-like context, sampling memory throughout. Only this process's memory is
// measured; the servers it talks to live in the benchmark's process.
import '../lib/quiet-warnings.js';
import { pathToFileURL } from 'node:url';

const bundle = process.argv[2];
const budgetMs = Number(process.argv[3] ?? 1_800_000);
if (!bundle || !process.send)
  throw new Error('usage: forked with IPC, argv[2] = poller bundle, argv[3] = budget ms');

let peakRss = 0;
let peakHeapUsed = 0;
const sample = (): void => {
  const usage = process.memoryUsage();
  peakRss = Math.max(peakRss, usage.rss);
  peakHeapUsed = Math.max(peakHeapUsed, usage.heapUsed);
};

const atStart = process.memoryUsage();
const { handler } = (await import(pathToFileURL(bundle).href)) as {
  handler: (event: unknown, context: unknown) => Promise<Record<string, unknown>>;
};
const afterImport = process.memoryUsage();
sample();
const timer = setInterval(sample, 10);
const deadline = Date.now() + budgetMs;
const context = {
  functionName: 'CodeArtsNotifier-Poller',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:CodeArtsNotifier-Poller',
  memoryLimitInMB: '256',
  awsRequestId: 'bench-memory',
  logGroupName: '/aws/lambda/CodeArtsNotifier-Poller',
  logStreamName: 'bench',
  callbackWaitsForEmptyEventLoop: true,
  getRemainingTimeInMillis: () => deadline - Date.now(),
};
const started = performance.now();
const report = await handler({ scheduledTime: new Date().toISOString() }, context);
const seconds = (performance.now() - started) / 1000;
clearInterval(timer);
sample();
const maxRssKb = process.resourceUsage().maxRSS;
const mb = (bytes: number): number => bytes / 1024 / 1024;
process.send(
  {
    rssAtStartMB: mb(atStart.rss),
    rssAfterImportMB: mb(afterImport.rss),
    peakRssMB: mb(peakRss),
    maxRssMB: maxRssKb / 1024,
    heapUsedAfterImportMB: mb(afterImport.heapUsed),
    peakHeapUsedMB: mb(peakHeapUsed),
    seconds,
    tasks: report.tasks,
    polls: report.polls,
    events: report.events,
    taskErrors: report.taskErrors,
    codeartsFailures: report.codeartsFailures,
  },
  undefined,
  {},
  // The SDK's and fetch's keep-alive sockets would keep the process alive; the result is all we need.
  () => process.exit(0),
);
