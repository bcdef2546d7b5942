// Prints every message insight adds, as Slack receives it (the fallback text and each block's text), for 60 steps
// and names at CodeArts' clip: `npx tsx test/support/dump-insight-samples.ts > docs/insight-messages.md`.
import { slackLimitViolations } from '../../functions/core/render/index.js';
import { insightSamples } from './insight-samples.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const textOf = (v: unknown): string => (isObj(v) && typeof v.text === 'string' ? v.text : '');

function blockLines(block: unknown, indent: string): string[] {
  if (!isObj(block)) return [`${indent}(not a block)`];
  const type = String(block.type);
  const lines: string[] = [];
  const put = (label: string, text: string) => {
    const [first = '', ...rest] = text.split('\n');
    lines.push(
      `${indent}[${label}] ${first}`,
      ...rest.map((line) => `${indent}${' '.repeat(label.length + 3)}${line}`),
    );
  };
  if (type === 'section' && Array.isArray(block.fields)) {
    for (const [i, f] of block.fields.entries()) put(`field ${i + 1}`, textOf(f));
  } else if (type === 'context' && Array.isArray(block.elements)) {
    for (const e of block.elements) put('context', textOf(e));
  } else put(type, textOf(block.text));
  return lines;
}

const out: string[] = [
  '# The messages insight adds, as Slack receives them',
  '',
  'Rendered for the worst case the notifier accepts: 60 steps, task, step and executor names at CodeArts’ 128-character',
  'clip, full of mrkdwn markup (escaped as Slack requires). `text` is the notification and screen-reader fallback; each',
  'block follows with its type. Regenerate with `npx tsx test/support/dump-insight-samples.ts > docs/insight-messages.md`.',
  '',
];
for (const [name, message] of Object.entries(insightSamples())) {
  const size = JSON.stringify(message).length;
  const blocks = (message.blocks ?? []).length;
  const inAttachments = (message.attachments ?? []).flatMap((a) =>
    isObj(a) && Array.isArray(a.blocks) ? a.blocks : [],
  );
  out.push(
    `## ${name}`,
    '',
    `${blocks + inAttachments.length} blocks, ${size} characters as JSON, limits: ${slackLimitViolations(message).length === 0 ? 'within' : 'BROKEN'}`,
    '',
    '```text',
  );
  out.push(`text: ${message.text}`);
  for (const block of message.blocks ?? []) out.push(...blockLines(block, ''));
  for (const attachment of message.attachments ?? []) {
    if (!isObj(attachment)) continue;
    out.push(`(colour bar ${String(attachment.color)})`);
    for (const block of Array.isArray(attachment.blocks) ? attachment.blocks : [])
      out.push(...blockLines(block, '  '));
  }
  out.push('```', '');
}
process.stdout.write(out.join('\n'));
