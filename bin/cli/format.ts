// cli → plain-text tables and lines for a terminal; no colours, so output pipes and greps cleanly.

/** Left-aligned columns, two spaces apart, with a header row. Cells are shortened to stay readable. */
export const table = (headers: string[], rows: string[][], maxCell = 40): string => {
  const clip = (cell: string): string => (cell.length > maxCell ? `${cell.slice(0, maxCell - 1)}…` : cell);
  const all = [headers, ...rows.map((row) => row.map(clip))];
  const widths = headers.map((_, i) => Math.max(...all.map((row) => (row[i] ?? '').length)));
  return all
    .map((row) =>
      row
        .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
};

/** `2026-11-28T09:55:00.000Z` → `2026-11-28 09:55 UTC`; '-' for nothing. */
export const when = (iso: unknown): string => {
  if (typeof iso !== 'string' || iso === '') return '-';
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
};

export const text = (value: unknown, fallback = '-'): string =>
  typeof value === 'string' && value !== '' ? value : typeof value === 'number' ? String(value) : fallback;
