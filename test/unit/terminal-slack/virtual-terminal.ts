// Test support: a tiny terminal that understands exactly what the screen emits (newline, carriage return,
// cursor up, erase to end of screen, SGR styles), so tests can assert what a person would see.
import type { TerminalOut } from '../../../local/terminal-slack/index.js';

const ESC = String.fromCharCode(27);
const SEQUENCE = new RegExp(`${ESC}\\[(\\d*)([A-Za-z])`, 'y');

export class VirtualTerminal implements TerminalOut {
  readonly isTTY: boolean;
  columns: number;
  rows: number;
  /** Every chunk written, raw. */
  readonly chunks: string[] = [];
  #lines: string[] = [''];
  #row = 0;

  constructor(options: { isTTY?: boolean; columns?: number; rows?: number } = {}) {
    this.isTTY = options.isTTY ?? true;
    this.columns = options.columns ?? 80;
    this.rows = options.rows ?? 40;
  }

  write(chunk: string): boolean {
    this.chunks.push(chunk);
    for (let i = 0; i < chunk.length; ) {
      SEQUENCE.lastIndex = i;
      const match = SEQUENCE.exec(chunk);
      if (match) {
        const [whole, count, command] = match;
        if (command === 'A') this.#row = Math.max(0, this.#row - Number(count || 1));
        if (command === 'J') this.#lines.length = this.#row + 1;
        if (command === 'J') this.#lines[this.#row] = '';
        i += whole.length;
        continue;
      }
      const char = chunk[i]!;
      if (char === '\n') {
        this.#row++;
        if (this.#lines.length <= this.#row) this.#lines.push('');
      } else if (char === '\r') {
        this.#lines[this.#row] = '';
      } else {
        this.#lines[this.#row] = (this.#lines[this.#row] ?? '') + char;
      }
      i++;
    }
    return true;
  }

  /** What is on screen (and in the scrollback), styles stripped, trailing empty row dropped. */
  get text(): string {
    return this.#lines.join('\n').replace(/\n$/, '');
  }

  /** Everything ever written, styles stripped (what a log file would hold). */
  get raw(): string {
    return this.chunks.join('').replace(new RegExp(`${ESC}\\[[0-9;]*[A-Za-z]`, 'g'), '');
  }
}
