// local/terminal-slack → how wide text is on screen, and wrapping to the terminal's width. Redrawing a
// message in place moves the cursor up by its line count, so every line we print must fit on one screen
// row: a line the terminal wraps by itself would leave a stale row behind.

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
/** The only escape sequences we emit: SGR styles (built from a string: lint rightly flags raw control characters). */
const SGR_SOURCE = `${String.fromCharCode(27)}\\[[0-9;]*m`;
const SGR = new RegExp(SGR_SOURCE, 'y');
const SGR_ALL = new RegExp(SGR_SOURCE, 'g');

/**
 * Columns one grapheme takes. Errs on the wide side (an emoji is 2, anything unusual is 2), because a line
 * measured too narrow wraps and breaks the redraw while one measured too wide merely ends a little early.
 */
export function graphemeWidth(grapheme: string): number {
  const cp = grapheme.codePointAt(0) ?? 0;
  if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) return 0;
  if (grapheme.includes('\uFE0F')) return 2; // emoji presentation
  if (cp < 0x1100) return 1;
  // Punctuation, arrows, box drawing and block elements we use for framing are one column.
  if ((cp >= 0x2000 && cp <= 0x206f) || (cp >= 0x2190 && cp <= 0x21ff) || (cp >= 0x2500 && cp <= 0x259f))
    return 1;
  return 2;
}

/** Columns `text` takes on screen, ignoring SGR escape sequences. */
export function visibleWidth(text: string): number {
  let width = 0;
  for (const { segment } of segmenter.segment(stripAnsi(text))) width += graphemeWidth(segment);
  return width;
}

export function stripAnsi(text: string): string {
  return text.replace(SGR_ALL, '');
}

type Token = { kind: 'sgr'; text: string } | { kind: 'char'; text: string; width: number };

function tokenize(line: string): Token[] {
  const tokens: Token[] = [];
  let plain = '';
  const flush = () => {
    for (const { segment } of segmenter.segment(plain)) {
      tokens.push({ kind: 'char', text: segment, width: graphemeWidth(segment) });
    }
    plain = '';
  };
  for (let i = 0; i < line.length; ) {
    SGR.lastIndex = i;
    const match = SGR.exec(line);
    if (match) {
      flush();
      tokens.push({ kind: 'sgr', text: match[0] });
      i += match[0].length;
    } else {
      plain += line[i];
      i++;
    }
  }
  flush();
  return tokens;
}

/** Tracks which styles are on, so a wrapped line can close them and the next one reopen them. */
class ActiveStyles {
  #open = new Map<string, string>();

  apply(sequence: string): void {
    const params = sequence.slice(2, -1);
    if (params === '' || params === '0') {
      this.#open.clear();
      return;
    }
    const code = params.split(';')[0] ?? '';
    const slot: Record<string, [string, boolean]> = {
      '1': ['intensity', true],
      '2': ['intensity', true],
      '22': ['intensity', false],
      '3': ['italic', true],
      '23': ['italic', false],
      '4': ['underline', true],
      '24': ['underline', false],
      '9': ['strike', true],
      '29': ['strike', false],
      '39': ['fg', false],
    };
    const known = slot[code];
    if (known) {
      if (known[1]) this.#open.set(known[0], sequence);
      else this.#open.delete(known[0]);
    } else if (/^(3[0-7]|9[0-7]|38)$/.test(code)) {
      this.#open.set('fg', sequence);
    }
  }

  get reopen(): string {
    return [...this.#open.values()].join('');
  }

  get any(): boolean {
    return this.#open.size > 0;
  }
}

/**
 * Wraps one line (no newlines) into rows of at most `width` columns, breaking after spaces where it can.
 * Styles stay correct across the break: each row closes what is open and the next row reopens it.
 */
export function wrapLine(line: string, width: number): string[] {
  if (!Number.isFinite(width) || width < 2 || visibleWidth(line) <= width) return [line];
  const tokens = tokenize(line);
  const rows: string[] = [];
  const styles = new ActiveStyles();
  let start = 0;
  let prefix = '';
  while (start < tokens.length) {
    // Find how far this row reaches, and the last space at which it may break.
    let used = 0;
    let end = start;
    let breakAt = -1;
    for (; end < tokens.length; end++) {
      const token = tokens[end]!;
      if (token.kind === 'char') {
        if (used + token.width > width) break;
        used += token.width;
        if (token.text === ' ') breakAt = end + 1;
      }
    }
    if (end < tokens.length && breakAt > start) end = breakAt;
    if (end === start) end = start + 1; // a grapheme wider than the row still has to go somewhere
    let row = prefix;
    for (let i = start; i < end; i++) {
      const token = tokens[i]!;
      row += token.text;
      if (token.kind === 'sgr') styles.apply(token.text);
    }
    start = end;
    const last = start >= tokens.length;
    rows.push(!last && styles.any ? `${row.replace(/ +$/, '')}\x1b[0m` : last ? row : row.replace(/ +$/, ''));
    prefix = styles.reopen;
  }
  return rows;
}
