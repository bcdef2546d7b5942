import { describe, expect, it } from 'vitest';
import type { RunState } from '../../../functions/core/model.js';
import { renderLivingMessage } from '../../../functions/core/render/index.js';
import {
  BAR,
  colorCode,
  createStyle,
  renderMessageLines,
  SlackDates,
  stripAnsi,
  visibleWidth,
  wrapLine,
} from '../../../local/terminal-slack/index.js';

const NOW = Date.UTC(2025, 6, 9, 3, 40, 0);
const dates = new SlackDates({ timeZone: 'UTC', now: () => NOW });
const plain = { style: createStyle(false), dates };
const color = { style: createStyle(true), dates };
const ESC = String.fromCharCode(27);

const run: RunState = {
  recordId: 'c0efeb5cb77642a4b57da207c8067ef9',
  taskId: '418443e4c4034b54b0bd399412c6e168',
  taskName: 'gateway-prod',
  status: 'running',
  rawStatus: 'running',
  stepsFinished: false,
  startedAt: '2025-07-09T03:36:28.000Z',
  endedAt: null,
  executor: 'devcloud_test',
  steps: ['Select Deployment Source', 'Stop Service', 'Install Package'].map((name, index) => ({
    index,
    id: String(index + 1),
    name,
    enabled: true,
    progress: index === 0 ? 'done' : index === 1 ? 'running' : 'pending',
    elapsed: index === 0 ? 6 : index === 1 ? 3 : null,
    currentOffset: null,
    faqUrl: null,
  })),
};
const living = renderLivingMessage(run, {
  taskName: 'gateway-prod',
  region: 'cn-north-4',
  consoleUrl: 'https://console.example.test/run/1',
  staleSince: null,
  mentions: [],
  now: '2025-07-09T03:40:00.000Z',
});

describe('Block Kit in the terminal', () => {
  it('draws the living message: header, fields two to a row, checklist, context, behind a bar', () => {
    const lines = renderMessageLines(living, plain);
    // Top-level blocks replace the text fallback, as in Slack: the header stands above the bar.
    expect(lines[0]).toContain('🔄 gateway-prod');
    expect(lines.join('\n')).not.toContain('deployment is running');
    const barred = lines.slice(1);
    expect(barred.every((line) => line.startsWith(`${BAR} `))).toBe(true);
    const body = barred.map((line) => line.slice(2)).join('\n');
    expect(body).toMatch(/Status 🔄 Running · step 2 of 3 +Run by devcloud_test/);
    expect(body).toMatch(/Started Today 03:36 +Duration 3m 32s so far/);
    expect(body).toContain(
      '✅ 1. Select Deployment Source — 6s\n🔄 2. Stop Service — 3s\n⚪ 3. Install Package',
    );
    expect(body).toContain(
      'Open in CodeArts (https://console.example.test/run/1)  ·  cn-north-4  ·  run c0efeb5c',
    );
  });

  it('colours the bar with the attachment colour', () => {
    const bar = (c: string) =>
      renderMessageLines({ text: '', attachments: [{ color: c, text: 'x' }] }, color)[0];
    expect(bar('good')).toBe(`${ESC}[32m${BAR}${ESC}[39m x`);
    expect(bar('warning')).toBe(`${ESC}[33m${BAR}${ESC}[39m x`);
    expect(bar('danger')).toBe(`${ESC}[31m${BAR}${ESC}[39m x`);
    expect(colorCode('#9e9e9e')).toBe('38;5;247');
    expect(colorCode('#ff0000')).toBe('38;5;196');
    expect(colorCode('not a colour')).toBe('90');
  });

  it('renders the other block types and names unknown ones', () => {
    const lines = renderMessageLines(
      {
        text: 'ignored when blocks exist',
        blocks: [
          { type: 'section', text: { type: 'plain_text', text: '*not bold*' } },
          { type: 'divider' },
          {
            type: 'context',
            elements: [
              { type: 'image', alt_text: 'logo' },
              { type: 'mrkdwn', text: '_ctx_' },
            ],
          },
          { type: 'actions', elements: [{ type: 'button', text: { type: 'plain_text', text: 'Retry' } }] },
          { type: 'image', image_url: 'https://x.test/a.png', alt_text: 'chart' },
          {
            type: 'rich_text',
            elements: [
              {
                type: 'rich_text_section',
                elements: [
                  { type: 'text', text: 'hi ' },
                  { type: 'user', user_id: 'U1' },
                ],
              },
            ],
          },
          { type: 'video' },
        ],
      },
      plain,
    );
    expect(lines).toEqual([
      '*not bold*',
      '────────────────────────────────────────',
      '[logo]  ctx',
      '[ Retry ]',
      '[image: chart]',
      'hi @U1',
      '[video block]',
    ]);
  });

  it('falls back to the text when there are no blocks, and shows classic attachment fields', () => {
    const lines = renderMessageLines(
      {
        text: '*hello*',
        attachments: [{ color: 'danger', title: 'T', fields: [{ title: 'A', value: '`b`' }], footer: 'f' }],
      },
      plain,
    );
    expect(lines).toEqual(['hello', `${BAR} T`, `${BAR} A \`b\``, `${BAR} f`]);
  });

  it('wraps to the width without splitting styles, so no row is wider than the screen', () => {
    const lines = renderMessageLines(living, color, 40);
    for (const line of lines) expect(visibleWidth(line)).toBeLessThanOrEqual(40);
    // Every wrapped row of an attachment keeps its bar.
    const firstBar = lines.findIndex((line) => stripAnsi(line).startsWith(BAR));
    expect(firstBar).toBeGreaterThan(0); // the header stands above the bar
    expect(lines.slice(firstBar).every((line) => stripAnsi(line).startsWith(BAR))).toBe(true);
    const rows = wrapLine(`${ESC}[1mbold words that go on and on${ESC}[22m tail`, 12);
    expect(rows.map(stripAnsi)).toEqual(['bold words', 'that go on', 'and on tail']);
    expect(rows[0]).toBe(`${ESC}[1mbold words${ESC}[0m`);
    expect(rows[1]).toBe(`${ESC}[1mthat go on${ESC}[0m`);
  });

  it('counts emoji as two columns and framing characters as one', () => {
    expect(visibleWidth('✅ ok')).toBe(5);
    expect(visibleWidth('⏱️')).toBe(2);
    expect(visibleWidth(`${BAR} ─ ↳ …`)).toBe(7);
  });
});
