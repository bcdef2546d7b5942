import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SlackDeliveryError, type SlackMessage } from '../../../functions/ports.js';
import { createStyle, Screen, TerminalSlack } from '../../../local/terminal-slack/index.js';
import { VirtualTerminal } from './virtual-terminal.js';

const START = Date.UTC(2025, 6, 9, 3, 40, 0);

function setup(options: { live: boolean; rows?: number; persistPath?: string; color?: boolean }) {
  const term = new VirtualTerminal({ isTTY: options.live, columns: 100, rows: options.rows ?? 40 });
  let now = START;
  const screen = new Screen(term, { live: options.live });
  const slack = new TerminalSlack({
    screen,
    style: createStyle(options.color ?? false),
    timeZone: 'UTC',
    now: () => now,
    ...(options.persistPath ? { persistPath: options.persistPath } : {}),
  });
  return { term, screen, slack, tick: (ms: number) => (now += ms) };
}

const living = (status: string, steps: string): SlackMessage => ({
  text: `gateway-prod: ${status}`,
  attachments: [
    {
      color: status === 'failed' ? 'danger' : 'warning',
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text: steps } }],
    },
  ],
});
const reply = (text: string): SlackMessage => ({ text });
const meta = (key: string) => ({ eventType: 'codearts_run', payload: { key } });

const count = (haystack: string, needle: string) => haystack.split(needle).length - 1;

describe('TerminalSlack on a terminal (live redraw)', () => {
  it('redraws the living message in place as it updates, with thread replies beneath it', async () => {
    const { term, slack, tick } = setup({ live: true });
    const ref = await slack.post(
      { channel: '#deployments', metadata: meta('t/r1') },
      living('running', '🔄 1. Build'),
    );
    tick(3000);
    await slack.post({ channel: '#deployments', threadTs: ref.ts }, reply('✅ Step 1/2 · Build finished'));
    tick(3000);
    await slack.update(ref, living('failed', '✅ 1. Build\n❌ 2. Deploy'));
    await slack.post(
      { channel: '#deployments', threadTs: ref.ts, broadcast: true },
      reply('❌ *Deploy* failed'),
    );

    const screen = term.text;
    // One copy of the message on screen, in its latest state, replies indented under it.
    expect(count(screen, 'gateway-prod:')).toBe(1);
    expect(screen).not.toContain('running');
    expect(screen).toBe(
      [
        '#deployments 03:40:00 · edited 03:40:06',
        '  gateway-prod: failed',
        '  ▌ ✅ 1. Build',
        '  ▌ ❌ 2. Deploy',
        '    ↳ reply · 03:40:03',
        '      ✅ Step 1/2 · Build finished',
        '    ↳ reply · 03:40:06 · also sent to #deployments',
        '      ❌ Deploy failed',
        '',
      ].join('\n'),
    );
    // …and the terminal really was told to go back up, not just appended to.
    expect(term.chunks.some((chunk) => chunk.includes('\x1b[J'))).toBe(true);
  });

  it('keeps log lines above the live message', async () => {
    const { term, screen, slack } = setup({ live: true });
    const ref = await slack.post({ channel: '#deployments' }, living('running', 'step 1'));
    screen.print(['poll cycle: 1 task']);
    await slack.update(ref, living('running', 'step 2'));
    expect(term.text).toBe(
      [
        'poll cycle: 1 task',
        '#deployments 03:40:00 · edited 03:40:00',
        '  gateway-prod: running',
        '  ▌ step 2',
        '',
      ].join('\n'),
    );
  });

  it('lets old messages scroll into history when the screen is full, and prints their later edits anew', async () => {
    const { term, slack, tick } = setup({ live: true, rows: 8 });
    const first = await slack.post({ channel: '#a' }, living('running', 'first'));
    tick(1000);
    await slack.post({ channel: '#a' }, living('running', 'second'));
    tick(1000);
    await slack.update(first, living('failed', 'first, later'));
    await slack.post({ channel: '#a', threadTs: first.ts }, reply('a reply'));
    const text = term.text;
    expect(text.indexOf('first\n')).toBeLessThan(text.indexOf('second'));
    expect(text.indexOf('second')).toBeLessThan(text.indexOf('first, later'));
    expect(text).toContain('↳ reply · 03:40:02');
  });
});

describe('TerminalSlack in a log (append only)', () => {
  it('prints each post, prints updates again marked "updated", and indents replies beneath', async () => {
    const { term, slack, tick } = setup({ live: false });
    const ref = await slack.post({ channel: '#deployments' }, living('running', 'step 1'));
    tick(2000);
    await slack.post({ channel: '#deployments', threadTs: ref.ts, broadcast: true }, reply('❌ failed'));
    await slack.update(ref, living('failed', 'step 1 failed'));
    expect(term.raw).toBe(
      [
        '#deployments 03:40:00',
        '  gateway-prod: running',
        '  ▌ step 1',
        '',
        '    ↳ reply in thread of “gateway-prod: running” · 03:40:02 · also sent to #deployments',
        '      ❌ failed',
        '',
        '#deployments 03:40:00 · updated 03:40:02',
        '  gateway-prod: failed',
        '  ▌ step 1 failed',
        '',
        '',
      ].join('\n'),
    );
    expect(term.chunks.some((chunk) => chunk.includes('\x1b['))).toBe(false);
  });
});

describe('TerminalSlack as a SlackPort', () => {
  it('gives every message a unique, increasing Slack-style ts', async () => {
    const { slack } = setup({ live: false });
    const a = await slack.post({ channel: '#a' }, reply('1'));
    const b = await slack.post({ channel: '#a' }, reply('2'));
    expect(a.ts).toMatch(/^\d{10}\.\d{6}$/);
    expect(Number(b.ts)).toBeGreaterThan(Number(a.ts));
    expect(slack.messages('#a').map((m) => m.title)).toEqual(['1', '2']);
  });

  it('refuses to update or reply to a message it never posted, like Slack', async () => {
    const { slack } = setup({ live: false });
    const gone = slack.update({ channel: '#a', ts: '1.000001' }, reply('x'));
    await expect(gone).rejects.toBeInstanceOf(SlackDeliveryError);
    await expect(gone).rejects.toMatchObject({ kind: 'message-gone', code: 'message_not_found' });
    await expect(slack.post({ channel: '#a', threadTs: '1.000001' }, reply('x'))).rejects.toMatchObject({
      kind: 'message-gone',
    });
  });

  it('finds messages by metadata: channel history after `oldest`, or within a thread', async () => {
    const { slack, tick } = setup({ live: false });
    const parent = await slack.post({ channel: '#a', metadata: meta('t/r1') }, reply('living'));
    tick(5000);
    const inThread = await slack.post(
      {
        channel: '#a',
        threadTs: parent.ts,
        metadata: { eventType: 'codearts_change', payload: { key: 'k1', toSeq: 4 } },
      },
      reply('change'),
    );
    expect(await slack.findByMetadata({ channel: '#a', eventType: 'codearts_run', key: 't/r1' })).toEqual({
      channel: '#a',
      ts: parent.ts,
      payload: { key: 't/r1' },
    });
    expect(
      await slack.findByMetadata({
        channel: '#a',
        eventType: 'codearts_run',
        key: 't/r1',
        oldest: parent.ts,
      }),
    ).toBeNull();
    expect(await slack.findByMetadata({ channel: '#b', eventType: 'codearts_run', key: 't/r1' })).toBeNull();
    expect(
      await slack.findByMetadata({
        channel: '#a',
        eventType: 'codearts_change',
        key: 'k1',
        threadTs: parent.ts,
      }),
    ).toEqual({ channel: '#a', ts: inThread.ts, payload: { key: 'k1', toSeq: 4 } });
    // A plain thread reply is not in channel history.
    expect(await slack.findByMetadata({ channel: '#a', eventType: 'codearts_change', key: 'k1' })).toBeNull();
  });
});

describe('TerminalSlack across restarts', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('remembers what it posted, so reconciliation and living-message edits work after a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'terminal-slack-'));
    dirs.push(dir);
    const persistPath = join(dir, 'slack', 'messages.jsonl');
    const before = setup({ live: false, persistPath });
    const ref = await before.slack.post(
      { channel: '#a', metadata: meta('t/r1') },
      living('running', 'step 1'),
    );
    expect(readFileSync(persistPath, 'utf8').trim().split('\n')).toHaveLength(1);

    const after = setup({ live: false, persistPath });
    expect(
      await after.slack.findByMetadata({ channel: '#a', eventType: 'codearts_run', key: 't/r1' }),
    ).toMatchObject({
      ts: ref.ts,
    });
    await after.slack.update(ref, living('succeeded', 'all done'));
    expect(after.term.raw).toContain(
      '#a 03:40:00 · updated 03:40:00\n  gateway-prod: succeeded\n  ▌ all done',
    );
    // New posts never reuse a ts from before the restart.
    const next = await after.slack.post({ channel: '#a' }, reply('next'));
    expect(Number(next.ts)).toBeGreaterThan(Number(ref.ts));
  });
});

describe('TerminalSlack standing in for the rest of Slack', () => {
  it('shows a private answer to a button press, only for a response URL on hooks.slack.com', async () => {
    const { term, slack } = setup({ live: false });
    expect(
      await slack.respond('https://hooks.slack.com/actions/T0LOCAL00/local/1', {
        text: ':no_entry: Not *you*',
      }),
    ).toBe(true);
    expect(term.text).toContain('🔒 only you can see this:');
    expect(term.text).toContain('Not you');
    expect(await slack.respond('https://hooks.slack.com.example/actions/x', { text: 'elsewhere' })).toBe(
      false,
    );
    expect(await slack.respond('http://hooks.slack.com/actions/x', { text: 'plain http' })).toBe(false);
    expect(term.text).not.toContain('elsewhere');
  });

  it('knows no user groups', async () => {
    expect(await setup({ live: false }).slack.members('S0OPSGROUP1')).toEqual([]);
  });

  it('draws the buttons of a living message', async () => {
    const { term, slack } = setup({ live: false });
    await slack.post(
      { channel: 'C0DEPLOYS1', metadata: meta('t/r') },
      {
        text: 'gateway-prod: running',
        attachments: [
          {
            color: 'warning',
            blocks: [
              { type: 'section', text: { type: 'mrkdwn', text: '*Status*' } },
              {
                type: 'actions',
                elements: [
                  {
                    type: 'button',
                    action_id: 'codearts.stop',
                    text: { type: 'plain_text', text: '⏹️ Stop' },
                  },
                ],
              },
            ],
          },
        ],
      },
    );
    expect(term.text).toContain('[ ⏹️ Stop ]');
  });
});
