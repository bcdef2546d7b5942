// local/terminal-slack → Slack mrkdwn to terminal text: *bold*, _italic_, ~strike~, `code`, ```blocks```,
// <url|label> links, <@U…> / <#C…|name> / <!here> references, <!date^…|fallback> dates and the three
// entities. What a Slack client would show, as near as a terminal can.
import type { SlackDates } from './dates.js';
import type { Style } from './style.js';

export interface MrkdwnContext {
  style: Style;
  dates: SlackDates;
}

// Placeholders from Unicode's private use area: they cannot occur in text we render, and they count as
// non-space for the emphasis rules, like the tokens they stand for.
const OPEN = '\uE000';
const CLOSE = '\uE001';
const PLACEHOLDER = /\uE000(\d+)\uE001/g;

const unescapeEntities = (text: string): string =>
  text.replace(/&(amp|lt|gt);/g, (_whole, name: string) =>
    name === 'amp' ? '&' : name === 'lt' ? '<' : '>',
  );

/** One `<…>` token as terminal text. */
function renderToken(inner: string, ctx: MrkdwnContext): string {
  const { style } = ctx;
  const bar = inner.indexOf('|');
  const target = bar < 0 ? inner : inner.slice(0, bar);
  const label = bar < 0 ? undefined : inner.slice(bar + 1);
  if (target.startsWith('!date^')) {
    const [, epoch, template] = target.split('^');
    const seconds = Number(epoch);
    if (template !== undefined && Number.isFinite(seconds)) return ctx.dates.render(seconds, template);
    return unescapeEntities(label ?? '');
  }
  if (target.startsWith('!subteam^')) return style.mention(unescapeEntities(label ?? '@team'));
  if (target.startsWith('!')) return style.mention(`@${target.slice(1)}`);
  if (target.startsWith('@')) return style.mention(`@${label ? unescapeEntities(label) : target.slice(1)}`);
  if (target.startsWith('#')) return style.mention(`#${label ? unescapeEntities(label) : target.slice(1)}`);
  const url = unescapeEntities(target);
  return style.link(label === undefined ? url : inline(label, ctx), url);
}

/** Emphasis rules: the marker hugs the text and is not part of a word (so snake_case stays as it is). */
const BOLD = /(^|[^\p{L}\p{N}*])\*(?=\S)([^*\n]*?\S)\*(?![\p{L}\p{N}*])/gu;
const ITALIC = /(^|[^\p{L}\p{N}_])_(?=\S)([^_\n]*?\S)_(?![\p{L}\p{N}_])/gu;
const STRIKE = /(^|[^\p{L}\p{N}~])~(?=\S)([^~\n]*?\S)~(?![\p{L}\p{N}~])/gu;

/** Inline formatting of text that holds no `<…>` tokens any more (placeholders instead). */
function inline(text: string, ctx: MrkdwnContext): string {
  const { style } = ctx;
  const held: string[] = [];
  const hold = (rendered: string) => `${OPEN}${held.push(rendered) - 1}${CLOSE}`;
  let out = text
    .replace(/```([\s\S]*?)```/g, (_whole, body: string) =>
      hold(
        body
          .split('\n')
          .map((line) => style.code(unescapeEntities(line)))
          .join('\n'),
      ),
    )
    .replace(/`([^`\n]+)`/g, (_whole, body: string) => hold(style.code(unescapeEntities(body))));
  out = out
    .replace(BOLD, (_whole, before: string, body: string) => `${before}${style.bold(body)}`)
    .replace(ITALIC, (_whole, before: string, body: string) => `${before}${style.italic(body)}`)
    .replace(STRIKE, (_whole, before: string, body: string) => `${before}${style.strike(body)}`);
  return unescapeEntities(out).replace(PLACEHOLDER, (whole, index: string) => held[Number(index)] ?? whole);
}

/** Converts a mrkdwn string (possibly several lines) to styled terminal text. */
export function mrkdwnToText(source: string, ctx: MrkdwnContext): string {
  const tokens: string[] = [];
  // Slack escapes `<` and `>` in text, so every literal angle bracket pair is a token.
  const withPlaceholders = source.replace(/<([^<>\n]*)>/g, (_whole, inner: string) => {
    tokens.push(renderToken(inner, ctx));
    return `${OPEN}t${tokens.length - 1}${CLOSE}`;
  });
  const formatted = inline(withPlaceholders, ctx);
  return formatted.replace(/\uE000t(\d+)\uE001/g, (whole, index: string) => tokens[Number(index)] ?? whole);
}
