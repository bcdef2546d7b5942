// local/terminal-slack → the terminal as two parts: a scrolling log above, and a live region at the bottom
// whose entries are redrawn in place (cursor up, clear to the end of the screen, print again). Everything
// written to the terminal must go through here, or the cursor arithmetic would be off.

/** The slice of a stream the screen needs (process.stdout fits; tests pass a recorder). */
export interface TerminalOut {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
  rows?: number;
  on?(event: 'resize', listener: () => void): unknown;
  off?(event: 'resize', listener: () => void): unknown;
}

export interface ScreenOptions {
  /** Redraw live entries in place. Default: when `out` is a TTY. */
  live?: boolean;
}

interface Entry {
  id: string;
  lines: string[];
}

/** Cursor up `n` rows, back to column 1, and erase everything below. */
const eraseUp = (n: number): string => (n > 0 ? `\x1b[${n}A\r\x1b[J` : '');

export class Screen {
  readonly live: boolean;
  readonly #out: TerminalOut;
  #entries: Entry[] = [];
  /** Rows the live region takes on screen right now. */
  #height = 0;
  readonly #onResize = () => {
    // Terminals reflow on resize, so the region's height is no longer known: leave it as history.
    this.#entries = [];
    this.#height = 0;
  };

  constructor(out: TerminalOut, options: ScreenOptions = {}) {
    this.#out = out;
    this.live = options.live ?? out.isTTY === true;
    if (this.live) out.on?.('resize', this.#onResize);
  }

  /** Columns a line may take; Infinity when not drawing on a terminal (nothing is wrapped then). */
  get width(): number {
    if (!this.live && this.#out.isTTY !== true) return Number.POSITIVE_INFINITY;
    // One column spare: some terminals wrap a line that reaches the last column.
    return Math.max(20, (this.#out.columns ?? 80) - 1);
  }

  /** Rows the live region may use; beyond this the oldest entries become history. */
  get #maxHeight(): number {
    return Math.max(4, (this.#out.rows ?? 24) - 2);
  }

  /** Prints lines into the history, above the live region. */
  print(lines: readonly string[]): void {
    this.#draw(lines);
  }

  /** Shows (or redraws) a live entry; a new one goes to the bottom. Without live mode, just prints it. */
  show(id: string, lines: readonly string[]): void {
    if (!this.live) {
      this.#draw(lines);
      return;
    }
    const entry = this.#entries.find((e) => e.id === id);
    if (entry) entry.lines = [...lines];
    else this.#entries.push({ id, lines: [...lines] });
    this.#draw([]);
  }

  /** Whether `id` is still on screen in the live region (else it has scrolled into history). */
  isLive(id: string): boolean {
    return this.#entries.some((e) => e.id === id);
  }

  /** Leaves every live entry as history: later writes go below it. */
  close(): void {
    this.#out.off?.('resize', this.#onResize);
    this.#entries = [];
    this.#height = 0;
  }

  #draw(history: readonly string[]): void {
    let chunk = eraseUp(this.#height);
    for (const line of history) chunk += `${line}\n`;
    // Entries that no longer fit become history, oldest first; one that alone is too tall too.
    let height = this.#entries.reduce((sum, e) => sum + e.lines.length, 0);
    while (this.#entries.length > 0 && height > this.#maxHeight) {
      const oldest = this.#entries.shift()!;
      for (const line of oldest.lines) chunk += `${line}\n`;
      height -= oldest.lines.length;
    }
    for (const entry of this.#entries) for (const line of entry.lines) chunk += `${line}\n`;
    this.#height = height;
    if (chunk !== '') this.#out.write(chunk);
  }
}
