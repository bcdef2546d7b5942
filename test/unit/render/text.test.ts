import { describe, expect, it } from 'vitest';
import {
  escapeMrkdwn,
  joinWithin,
  link,
  mrkdwn,
  plain,
  sanitizeLine,
} from '../../../functions/core/render/text.js';

describe('render text helpers', () => {
  it('escapes exactly the three mrkdwn control characters', () => {
    expect(escapeMrkdwn('a & b <!channel> > *c*')).toBe('a &amp; b &lt;!channel&gt; &gt; *c*');
  });

  it('turns control characters, line separators and lone surrogates into harmless characters of the same length', () => {
    const raw = `a\nb\tc\u0000d\u2028e\uD800f\uDC00g😀`;
    const clean = sanitizeLine(raw);
    expect(clean).toBe('a b c d e\uFFFDf\uFFFDg😀');
    expect(clean.length).toBe(raw.length);
  });

  it('clips to the budget once escaped, never inside an escape sequence or a character', () => {
    const out = mrkdwn('&&&&&&&&&&', 12);
    expect(out).toBe('&amp;&amp;…');
    expect(mrkdwn('😀😀😀😀😀', 6)).toBe('😀😀…');
    expect(mrkdwn('short', 10)).toBe('short');
    expect(mrkdwn('exactly10!', 10)).toBe('exactly10!');
    expect(plain('x'.repeat(10_000), 150)).toHaveLength(150);
  });

  it('keeps combined emoji whole when clipping', () => {
    const family = '👨‍👩‍👧‍👦';
    const out = plain(`${family}${family}${family}`, family.length * 2);
    expect(out).toBe(`${family}…`);
  });

  it('makes mrkdwn links only from http(s) URLs, escaped so they cannot close early', () => {
    expect(link('https://x.test/a?b=1&c=2|3', 'Fix', 100)).toBe('<https://x.test/a?b=1&amp;c=2%7C3|Fix>');
    expect(link('javascript:alert(1)', 'Fix', 100)).toBeNull();
    expect(link('https://x.test/a b', 'Fix', 100)).toBeNull();
    expect(link(`https://x.test/${'a'.repeat(200)}`, 'Fix', 100)).toBeNull();
    expect(link(null, 'Fix', 100)).toBeNull();
  });

  it('joins whole parts within a budget and says how many were left out', () => {
    const parts = ['aaaa', 'bbbb', 'cccc', 'dddd'];
    expect(joinWithin(parts, '\n', 100, (n) => `+${n}`)).toBe('aaaa\nbbbb\ncccc\ndddd');
    const out = joinWithin(parts, '\n', 12, (n) => `+${n}`);
    expect(out).toBe('aaaa\nbbbb\n+2');
    expect(out.length).toBeLessThanOrEqual(12);
  });
});
