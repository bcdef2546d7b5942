// core/render → the few Block Kit shapes we use, and small helpers shared by the renderers.
import type { SlackMessage } from '../../ports.js';
import { slackLimitViolations } from './limits.js';

export type Block = Record<string, unknown>;

export const headerBlock = (text: string): Block => ({
  type: 'header',
  text: { type: 'plain_text', text, emoji: true },
});

export const sectionBlock = (text: string): Block => ({ type: 'section', text: { type: 'mrkdwn', text } });

export const fieldsBlock = (fields: readonly string[]): Block => ({
  type: 'section',
  fields: fields.map((text) => ({ type: 'mrkdwn', text })),
});

export const contextBlock = (texts: readonly string[]): Block => ({
  type: 'context',
  elements: texts.map((text) => ({ type: 'mrkdwn', text })),
});

/** Packs lines into as few section texts of at most `max` characters as possible (a longer line is its own). */
export function packLines(lines: readonly string[], max: number): string[] {
  const out: string[] = [];
  let current = '';
  for (const line of lines) {
    if (current === '') current = line;
    else if (current.length + 1 + line.length <= max) current += `\n${line}`;
    else {
      out.push(current);
      current = line;
    }
  }
  if (current !== '') out.push(current);
  return out;
}

const SLACK_USER_ID = /^[UW][A-Z0-9]{2,30}$/;

/**
 * Slack user IDs as `<@U…>` mentions, deduplicated, at most 20; anything that is not a user ID is dropped so
 * configuration cannot smuggle `<!channel>` or markup into a message.
 */
export function mentionTokens(ids: readonly string[]): string[] {
  const seen = new Set<string>();
  for (const raw of ids) {
    const id = raw
      .trim()
      .replace(/^<@(.*)>$/, '$1')
      .replace(/^@/, '');
    if (SLACK_USER_ID.test(id)) seen.add(id);
    if (seen.size >= 20) break;
  }
  return [...seen].map((id) => `<@${id}>`);
}

/**
 * Renders at decreasing levels of detail until the message is inside Slack's limits. The last level must fit
 * by construction; if it somehow does not, it is returned anyway and the adapter's `payload` error will say so.
 */
export function firstThatFits<L>(levels: readonly L[], render: (level: L) => SlackMessage): SlackMessage {
  let last: SlackMessage | null = null;
  for (const level of levels) {
    last = render(level);
    if (slackLimitViolations(last).length === 0) return last;
  }
  if (last === null) throw new Error('firstThatFits: no levels');
  return last;
}
