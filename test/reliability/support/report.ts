// The figures of every scenario as one table, printed when the suite ends.
import type { Figures } from './fleet.js';

const COLUMNS: Array<[string, (f: Figures) => string]> = [
  ['scenario', (f) => f.scenario],
  ['runs', (f) => String(f.runs)],
  ['unseen', (f) => String(f.unseen)],
  ['faults', (f) => String(f.faults)],
  ['cycles', (f) => String(f.cycles)],
  ['expected', (f) => String(f.expected)],
  ['delivered', (f) => String(f.delivered)],
  ['lost', (f) => String(f.lost)],
  ['duplicated', (f) => String(f.duplicated)],
  ['wrong', (f) => String(f.wrong)],
  ['recovery (cycles)', (f) => (Number.isFinite(f.recoveryCycles) ? String(f.recoveryCycles) : 'never')],
];

/** A Markdown table (readable as plain text too). */
export function figuresTable(rows: readonly Figures[]): string {
  const cells = [COLUMNS.map(([name]) => name), ...rows.map((f) => COLUMNS.map(([, get]) => get(f)))];
  const widths = COLUMNS.map((_, i) => Math.max(...cells.map((row) => row[i]!.length)));
  const line = (row: string[]) =>
    `| ${row.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  const total = rows.reduce(
    (t, f) => ({
      runs: t.runs + f.runs,
      expected: t.expected + f.expected,
      delivered: t.delivered + f.delivered,
      lost: t.lost + f.lost,
      duplicated: t.duplicated + f.duplicated,
    }),
    { runs: 0, expected: 0, delivered: 0, lost: 0, duplicated: 0 },
  );
  return [
    line(cells[0]!),
    rule,
    ...cells.slice(1).map(line),
    '',
    `${rows.length} scenarios, ${total.runs} runs: ${total.expected} transitions expected, ${total.delivered} delivered, ${total.lost} lost, ${total.duplicated} duplicated.`,
  ].join('\n');
}
