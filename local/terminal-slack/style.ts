// local/terminal-slack → text styles for the terminal: plain ANSI SGR codes, no package. With colour off
// every style degrades to readable plain text, so piped output and CI logs stay clean.

export interface Style {
  readonly color: boolean;
  bold(text: string): string;
  italic(text: string): string;
  strike(text: string): string;
  dim(text: string): string;
  /** Inline code; plain output keeps the backticks, since they carry meaning there. */
  code(text: string): string;
  /** A link as `label (url)`: terminals cannot follow mrkdwn links, so the URL is always shown. */
  link(label: string, url: string): string;
  /** Mentions and channel references (`@U123`, `#deploys`). */
  mention(text: string): string;
  /** `text` in a Slack attachment colour (`good`, `warning`, `danger` or `#rrggbb`). */
  colored(color: string | undefined, text: string): string;
}

const sgr = (open: string, close: string) => (text: string) =>
  text === '' ? '' : `\x1b[${open}m${text}\x1b[${close}m`;

/** Slack's named attachment colours, in the basic ANSI palette every terminal has. */
const NAMED: Record<string, string> = { good: '32', warning: '33', danger: '31' };

/** The SGR foreground code for a Slack attachment colour; grey when it cannot be read. */
export function colorCode(color: string | undefined): string {
  if (color === undefined) return '90';
  const named = NAMED[color];
  if (named) return named;
  const hex = /^#?([0-9a-f]{6}|[0-9a-f]{3})$/i.exec(color.trim())?.[1];
  if (!hex) return '90';
  const full = hex.length === 3 ? [...hex].map((c) => c + c).join('') : hex;
  const [r, g, b] = [0, 2, 4].map((i) => Number.parseInt(full.slice(i, i + 2), 16)) as [
    number,
    number,
    number,
  ];
  // xterm's 256-colour palette: greys get the 24-step ramp, everything else the 6×6×6 cube.
  if (Math.max(r, g, b) - Math.min(r, g, b) < 12) {
    const v = (r + g + b) / 3;
    if (v < 8) return '38;5;16';
    if (v > 248) return '38;5;231';
    return `38;5;${232 + Math.min(23, Math.round((v - 8) / 10))}`;
  }
  const six = (v: number) => Math.round((v / 255) * 5);
  return `38;5;${16 + 36 * six(r) + 6 * six(g) + six(b)}`;
}

export function createStyle(color: boolean): Style {
  if (!color) {
    const same = (text: string) => text;
    return {
      color,
      bold: same,
      italic: same,
      strike: same,
      dim: same,
      code: (text) => `\`${text}\``,
      link: (label, url) => (label === url || label === '' ? url : `${label} (${url})`),
      mention: same,
      colored: (_color, text) => text,
    };
  }
  // Bold and dim share one "normal intensity" reset, so either one nested in the other would switch the
  // outer one off early: reassert the outer style after every inner reset.
  const intensity = (open: string) => (text: string) =>
    text === '' ? '' : `\x1b[${open}m${text.replaceAll('\x1b[22m', `\x1b[22m\x1b[${open}m`)}\x1b[22m`;
  const dim = intensity('2');
  const underline = sgr('4', '24');
  return {
    color,
    bold: intensity('1'),
    italic: sgr('3', '23'),
    strike: sgr('9', '29'),
    dim,
    code: sgr('36', '39'),
    link: (label, url) =>
      label === url || label === '' ? underline(url) : `${underline(label)} ${dim(`(${url})`)}`,
    mention: sgr('34', '39'),
    colored: (c, text) => sgr(colorCode(c), '39')(text),
  };
}

/** Colour when writing to a terminal, unless NO_COLOR says otherwise (https://no-color.org); FORCE_COLOR wins. */
export function wantsColor(
  out: { isTTY?: boolean },
  env: Record<string, string | undefined> = process.env,
): boolean {
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  return out.isTTY === true && env.TERM !== 'dumb';
}
