// core/render → Slack's size limits as we enforce them, and a checker that lists every breach of a message.
// Slack documents some of these limits only in part (the rest is what it was seen to refuse), so these stay
// deliberately below them.
import type { SlackMessage } from '../../ports.js';
import { actionsBlockViolations } from './action-buttons.js';

export const SLACK_LIMITS = {
  /** Blocks per message, counting those inside attachments (Slack: 50). */
  maxBlocks: 45,
  /** Section `text` (Slack: 3000). */
  sectionText: 2900,
  /** One section field (Slack: 2000). */
  fieldText: 1900,
  /** Fields per section (Slack: 10). */
  maxFields: 10,
  /** Header `plain_text` (Slack: 150). */
  headerText: 150,
  /** One context element's text. */
  contextText: 2900,
  /** Elements per context block (Slack: 10). */
  maxContextElements: 10,
  /** Top-level `text` (Slack truncates at 40,000; ours stay short enough to read as a notification). */
  text: 3000,
  /** The whole message as JSON; `msg_blocks_too_long` has been seen at about 13,000. */
  payloadChars: 10_000,
  /** A link target inside mrkdwn. */
  url: 2000,
} as const;

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

const textOf = (v: unknown): string | null => (isObj(v) && typeof v.text === 'string' ? v.text : null);

function blockViolations(block: unknown, where: string): string[] {
  if (!isObj(block) || typeof block.type !== 'string') return [`${where}: not a block`];
  const out: string[] = [];
  switch (block.type) {
    case 'header': {
      const t = textOf(block.text);
      if (t === null || t.length === 0) out.push(`${where}: header without text`);
      else if (t.length > SLACK_LIMITS.headerText)
        out.push(`${where}: header text ${t.length} > ${SLACK_LIMITS.headerText}`);
      break;
    }
    case 'section': {
      const t = textOf(block.text);
      const fields = Array.isArray(block.fields) ? block.fields : [];
      if (t === null && fields.length === 0) out.push(`${where}: section without text or fields`);
      if (t !== null && (t.length === 0 || t.length > SLACK_LIMITS.sectionText))
        out.push(`${where}: section text length ${t.length} outside 1..${SLACK_LIMITS.sectionText}`);
      if (fields.length > SLACK_LIMITS.maxFields)
        out.push(`${where}: ${fields.length} fields > ${SLACK_LIMITS.maxFields}`);
      fields.forEach((f, i) => {
        const ft = textOf(f);
        if (ft === null || ft.length === 0 || ft.length > SLACK_LIMITS.fieldText)
          out.push(
            `${where}.fields[${i}]: length ${ft?.length ?? 'none'} outside 1..${SLACK_LIMITS.fieldText}`,
          );
      });
      break;
    }
    case 'context': {
      const elements = Array.isArray(block.elements) ? block.elements : [];
      if (elements.length === 0 || elements.length > SLACK_LIMITS.maxContextElements)
        out.push(
          `${where}: ${elements.length} context elements outside 1..${SLACK_LIMITS.maxContextElements}`,
        );
      elements.forEach((e, i) => {
        const et = textOf(e);
        if (et === null || et.length === 0 || et.length > SLACK_LIMITS.contextText)
          out.push(
            `${where}.elements[${i}]: length ${et?.length ?? 'none'} outside 1..${SLACK_LIMITS.contextText}`,
          );
      });
      break;
    }
    case 'divider':
      break;
    case 'actions':
      out.push(...actionsBlockViolations(block, where));
      break;
    default:
      out.push(`${where}: unexpected block type ${block.type}`);
  }
  return out;
}

/**
 * Every way `message` breaks the limits above; empty when it is safe to send. Used by the renderers to pick
 * a size that fits, and by tests.
 */
export function slackLimitViolations(message: SlackMessage): string[] {
  const out: string[] = [];
  if (typeof message.text !== 'string' || message.text.trim().length === 0) out.push('text: empty');
  else if (message.text.length > SLACK_LIMITS.text)
    out.push(`text: ${message.text.length} > ${SLACK_LIMITS.text}`);

  let count = 0;
  (message.blocks ?? []).forEach((b, i) => {
    count++;
    out.push(...blockViolations(b, `blocks[${i}]`));
  });
  (message.attachments ?? []).forEach((a, i) => {
    if (!isObj(a)) {
      out.push(`attachments[${i}]: not an object`);
      return;
    }
    const blocks = Array.isArray(a.blocks) ? a.blocks : [];
    blocks.forEach((b, j) => {
      count++;
      out.push(...blockViolations(b, `attachments[${i}].blocks[${j}]`));
    });
  });
  if (count > SLACK_LIMITS.maxBlocks) out.push(`blocks: ${count} > ${SLACK_LIMITS.maxBlocks}`);

  const size = JSON.stringify(message).length;
  if (size > SLACK_LIMITS.payloadChars) out.push(`payload: ${size} chars > ${SLACK_LIMITS.payloadChars}`);
  return out;
}
