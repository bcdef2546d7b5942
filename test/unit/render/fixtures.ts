// Builders for runs, steps and render contexts used by the render tests.
import type { RunState, StepProgress, StepState } from '../../../functions/core/model.js';
import type { RenderContext } from '../../../functions/core/render/index.js';

export const NOW = '2025-07-09T03:40:00.000Z';

export function step(index: number, progress: StepProgress, over: Partial<StepState> = {}): StepState {
  return {
    index,
    id: String(index + 1),
    name: `Step ${index + 1}`,
    enabled: progress !== 'skipped',
    progress,
    elapsed: progress === 'pending' || progress === 'skipped' ? null : 10 + index,
    currentOffset: null,
    faqUrl: null,
    ...over,
  };
}

export function run(over: Partial<RunState> = {}): RunState {
  return {
    recordId: 'c0efeb5cb77642a4b57da207c8067ef9',
    taskId: '418443e4c4034b54b0bd399412c6e168',
    taskName: 'shop-api prod',
    status: 'running',
    rawStatus: 'running',
    stepsFinished: false,
    startedAt: '2025-07-09T03:36:28.000Z',
    endedAt: null,
    executor: 'devcloud_test',
    steps: [step(0, 'done'), step(1, 'running'), step(2, 'pending')],
    ...over,
  };
}

/** A 5-step run that failed at step 3, with a FAQ link on the failed step. */
export function failedRun(): RunState {
  return run({
    status: 'failed',
    rawStatus: 'failed',
    stepsFinished: true,
    endedAt: '2025-07-09T03:38:30.000Z',
    steps: [
      step(0, 'done', { name: 'Select Deployment Source', elapsed: 3 }),
      step(1, 'done', { name: 'Stop Service', elapsed: 65 }),
      step(2, 'failed', {
        name: 'Start Spring Boot Service',
        elapsed: 40,
        faqUrl: 'https://support.huaweicloud.com/deployman_faq/x.html?a=1&b=2',
      }),
      step(3, 'pending', { name: 'Health Check' }),
      step(4, 'pending', { name: 'Notify' }),
    ],
  });
}

export function ctx(over: Partial<RenderContext> = {}): RenderContext {
  return {
    taskName: 'shop-api prod',
    region: 'cn-north-4',
    consoleUrl: 'https://console.example.test/deploy/418443e4/c0efeb5c',
    staleSince: null,
    mentions: [],
    now: NOW,
    ...over,
  };
}

type Obj = Record<string, unknown>;

/** Every block of a message, top level first, then those inside attachments. */
export function allBlocks(message: { blocks?: unknown[]; attachments?: unknown[] }): Obj[] {
  const inAttachments = (message.attachments ?? []).flatMap(
    (a) => ((a as Obj).blocks as Obj[] | undefined) ?? [],
  );
  return [...((message.blocks as Obj[] | undefined) ?? []), ...inAttachments];
}

/** All visible mrkdwn/plain text of a message's blocks, joined by newlines. */
export function blockText(message: { blocks?: unknown[]; attachments?: unknown[] }): string {
  const texts: string[] = [];
  for (const b of allBlocks(message)) {
    const t = (b.text as Obj | undefined)?.text;
    if (typeof t === 'string') texts.push(t);
    for (const f of (b.fields as Obj[] | undefined) ?? []) texts.push(String(f.text));
    for (const e of (b.elements as Obj[] | undefined) ?? []) texts.push(String(e.text));
  }
  return texts.join('\n');
}

export const colorOf = (message: { attachments?: unknown[] }): unknown =>
  (message.attachments?.[0] as Obj | undefined)?.color;
