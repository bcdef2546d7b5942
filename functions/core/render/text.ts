// core/render → text hygiene for Slack: mrkdwn escaping, one-line sanitising, and clipping to a budget
// without splitting a character, an emoji or an escape sequence.

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** Slack's mrkdwn escaping: only these three characters are control characters (Slack "Escaping text"). */
export function escapeMrkdwn(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * One line of displayable text: control characters and line/paragraph separators become spaces, and lone
 * UTF-16 surrogates (which JSON would inflate to `\udXXX` and Slack would reject or mangle) become U+FFFD.
 * Length is preserved, which the clipping below relies on.
 */
export function sanitizeLine(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || c === 0x2028 || c === 0x2029) {
      out += ' ';
    } else if (c >= 0xd800 && c <= 0xdbff) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        out += s.slice(i, i + 2);
        i++;
      } else {
        out += '\uFFFD';
      }
    } else if (c >= 0xdc00 && c <= 0xdfff) {
      out += '\uFFFD';
    } else {
      out += s[i];
    }
  }
  return out;
}

export const ELLIPSIS = '…';

/**
 * Transforms `raw` grapheme by grapheme and stops once the output would pass `max` UTF-16 units, ending it
 * with an ellipsis. Works lazily, so a 10,000-character name costs only the part that is kept.
 */
function clipTo(raw: string, max: number, transform: (segment: string) => string): string {
  if (max <= 0) return '';
  let out = '';
  let safe = '';
  for (const { segment } of segmenter.segment(raw)) {
    const piece = transform(segment);
    if (out.length + piece.length > max) return `${safe}${ELLIPSIS}`;
    out += piece;
    if (out.length <= max - ELLIPSIS.length) safe = out;
  }
  return out;
}

const mrkdwnPiece = (segment: string): string => escapeMrkdwn(sanitizeLine(segment));

/** User-supplied text for a mrkdwn field: sanitised, escaped, at most `max` characters once escaped. */
export function mrkdwn(raw: string, max: number): string {
  return clipTo(raw, max, mrkdwnPiece);
}

/** User-supplied text for a `plain_text` field (headers): sanitised, at most `max` characters. */
export function plain(raw: string, max: number): string {
  return clipTo(raw, max, sanitizeLine);
}

/**
 * `raw`, or `fallback` when it holds nothing visible. Only the start is examined: that is all a clipped
 * rendering shows, and it keeps the check cheap for 10,000-character names.
 */
export function orDefault(raw: string | null | undefined, fallback: string): string {
  return raw && sanitizeLine(raw.slice(0, 512)).trim().length > 0 ? raw : fallback;
}

/**
 * A URL fit for a mrkdwn link `<url|label>`: http(s) only, no spaces or control characters, within `max`
 * characters; `&` `<` `>` escaped and `|` percent-encoded so it cannot end the link early. Null when unusable.
 */
export function linkUrl(url: string | null | undefined, max: number): string | null {
  if (!url || !/^https?:\/\/[^\s]+$/i.test(url)) return null;
  if (sanitizeLine(url) !== url) return null;
  const safe = escapeMrkdwn(url).replace(/\|/g, '%7C');
  return safe.length <= max ? safe : null;
}

/** `<url|label>` when the URL is usable, else null. `label` must already be mrkdwn-safe. */
export function link(url: string | null | undefined, label: string, max: number): string | null {
  const safe = linkUrl(url, max);
  return safe === null ? null : `<${safe}|${label}>`;
}

/**
 * Joins `parts` with `separator`, keeping as many whole parts as fit in `max` and then `overflow(n)` for the
 * n parts left out, so no escape sequence or mention is ever cut in half.
 */
export function joinWithin(
  parts: readonly string[],
  separator: string,
  max: number,
  overflow: (left: number) => string,
): string {
  const all = parts.join(separator);
  if (all.length <= max) return all;
  const kept: string[] = [];
  let used = 0;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    const tail = overflow(parts.length - i - 1);
    const cost = (kept.length > 0 ? separator.length : 0) + part.length;
    const tailCost = separator.length + tail.length;
    if (used + cost + tailCost > max) {
      const rest = overflow(parts.length - i);
      const joined = kept.length > 0 ? `${kept.join(separator)}${separator}${rest}` : rest;
      return joined.length <= max ? joined : rest.slice(0, max);
    }
    kept.push(part);
    used += cost;
  }
  return kept.join(separator);
}
