// local/terminal-slack → a Slack message as terminal lines: Block Kit (header, section with text or fields,
// context, divider, actions, image), legacy attachments with their colour as a bar down the left, and the
// plain `text` when there is nothing richer. Unknown blocks are named rather than dropped silently.
import type { SlackMessage } from '../../functions/ports.js';
import { type MrkdwnContext, mrkdwnToText } from './mrkdwn.js';
import { visibleWidth, wrapLine } from './width.js';

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const asArray = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const str = (value: unknown): string => (typeof value === 'string' ? value : '');

/** The colour bar: a half block, one column wide, so wrapped rows keep it. */
export const BAR = '▌';
const GAP = '   ';

/** A Block Kit text object (`mrkdwn` or `plain_text`) as terminal text. */
function textObject(value: unknown, ctx: MrkdwnContext): string {
  if (!isObject(value)) return '';
  const text = str(value.text);
  return value.type === 'mrkdwn' ? mrkdwnToText(text, ctx) : text;
}

const splitLines = (text: string): string[] => (text === '' ? [] : text.split('\n'));

/**
 * Fields as Slack shows them, two to a row: each field's lines are joined ("*Status*\nRunning" reads
 * "Status Running"), and a pair shares a row only when both fit in half the width.
 */
function fieldLines(fields: unknown[], ctx: MrkdwnContext, width: number): string[] {
  const cells = fields.map((field) => splitLines(textObject(field, ctx)).join(' '));
  const half = Number.isFinite(width) ? Math.floor((width - GAP.length) / 2) : 48;
  const lines: string[] = [];
  for (let i = 0; i < cells.length; i += 2) {
    const left = cells[i] ?? '';
    const right = cells[i + 1];
    if (right === undefined) {
      lines.push(left);
    } else if (visibleWidth(left) <= half && visibleWidth(right) <= half) {
      lines.push(`${left}${' '.repeat(half - visibleWidth(left))}${GAP}${right}`.trimEnd());
    } else {
      lines.push(left, right);
    }
  }
  return lines;
}

/** Text of a rich_text block, roughly: its sections' text and links, without the styling. */
function richText(value: unknown): string {
  if (!isObject(value)) return '';
  if (typeof value.text === 'string') return value.text;
  if (value.type === 'user') return `@${str(value.user_id)}`;
  if (value.type === 'channel') return `#${str(value.channel_id)}`;
  if (value.type === 'link') return str(value.text) || str(value.url);
  if (value.type === 'emoji') return `:${str(value.name)}:`;
  const children = asArray(value.elements).map(richText);
  return value.type === 'rich_text_list' ? children.map((c) => `• ${c}`).join('\n') : children.join('');
}

function blockLines(block: unknown, ctx: MrkdwnContext, width: number): string[] {
  const { style } = ctx;
  if (!isObject(block)) return [];
  switch (block.type) {
    case 'header':
      return splitLines(textObject(block.text, ctx)).map((line) => style.bold(line));
    case 'section': {
      const lines = splitLines(textObject(block.text, ctx));
      const fields = asArray(block.fields);
      if (fields.length > 0) lines.push(...fieldLines(fields, ctx, width));
      const accessory = isObject(block.accessory) ? block.accessory : null;
      if (accessory?.type === 'button') lines.push(style.bold(`[ ${textObject(accessory.text, ctx)} ]`));
      return lines;
    }
    case 'context': {
      const parts = asArray(block.elements).map((element) =>
        isObject(element) && element.type === 'image'
          ? `[${str(element.alt_text) || 'image'}]`
          : textObject(element, ctx),
      );
      return splitLines(parts.filter((p) => p !== '').join('  ')).map((line) => style.dim(line));
    }
    case 'divider':
      return [style.dim('─'.repeat(Math.max(8, Math.min(Number.isFinite(width) ? width : 40, 40))))];
    case 'actions': {
      const buttons = asArray(block.elements).map((element) =>
        isObject(element) ? `[ ${textObject(element.text, ctx) || str(element.type)} ]` : '',
      );
      return [style.bold(buttons.filter(Boolean).join(' '))];
    }
    case 'image':
      return [style.dim(`[image: ${str(block.alt_text) || str(block.image_url)}]`)];
    case 'rich_text':
      return splitLines(richText(block));
    default:
      return [style.dim(`[${str(block.type) || 'unknown'} block]`)];
  }
}

function blocksLines(blocks: unknown[], ctx: MrkdwnContext, width: number): string[] {
  return blocks.flatMap((block) => blockLines(block, ctx, width));
}

/** A legacy attachment's own content: blocks if it has them, else the classic fields. */
function attachmentLines(attachment: Json, ctx: MrkdwnContext, width: number): string[] {
  const blocks = asArray(attachment.blocks);
  if (blocks.length > 0) return blocksLines(blocks, ctx, width);
  const { style } = ctx;
  const lines: string[] = [];
  const text = (value: unknown) => splitLines(mrkdwnToText(str(value), ctx));
  lines.push(...text(attachment.pretext));
  if (attachment.title) {
    const title = str(attachment.title);
    lines.push(style.bold(attachment.title_link ? style.link(title, str(attachment.title_link)) : title));
  }
  lines.push(...text(attachment.text));
  for (const field of asArray(attachment.fields)) {
    if (isObject(field))
      lines.push(`${style.bold(str(field.title))} ${mrkdwnToText(str(field.value), ctx)}`.trim());
  }
  if (attachment.footer) lines.push(style.dim(str(attachment.footer)));
  if (lines.length === 0 && attachment.fallback) lines.push(...text(attachment.fallback));
  return lines;
}

const wrap = (lines: string[], width: number): string[] => lines.flatMap((line) => wrapLine(line, width));

/**
 * The message's body lines, each at most `width` columns (Infinity: no wrapping). Attachments come after
 * the blocks, each behind a bar in its colour, as Slack draws them.
 */
export function renderMessageLines(
  message: SlackMessage,
  ctx: MrkdwnContext,
  width = Number.POSITIVE_INFINITY,
): string[] {
  const { style } = ctx;
  const blocks = asArray(message.blocks);
  const attachments = asArray(message.attachments).filter(isObject);
  const lines: string[] = [];
  if (blocks.length > 0) lines.push(...wrap(blocksLines(blocks, ctx, width), width));
  else if (attachments.length === 0 || message.text)
    lines.push(...wrap(splitLines(mrkdwnToText(message.text, ctx)), width));
  for (const attachment of attachments) {
    const inner = width - 2;
    const bar = style.colored(typeof attachment.color === 'string' ? attachment.color : undefined, BAR);
    for (const line of wrap(attachmentLines(attachment, ctx, inner), inner)) lines.push(`${bar} ${line}`);
  }
  return lines;
}
