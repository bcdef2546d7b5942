import { describe, expect, it } from 'vitest';
import {
  renderLivingMessage,
  SLACK_LIMITS,
  slackLimitViolations,
} from '../../../functions/core/render/index.js';
import { allBlocks, blockText, colorOf, ctx, failedRun, run, step } from './fixtures.js';

describe('renderLivingMessage', () => {
  it('shows a running run: colour, header, status, who, when, how long, checklist and the CodeArts link', () => {
    const message = renderLivingMessage(run(), ctx());
    const blocks = allBlocks(message);
    const body = blockText(message);

    expect(colorOf(message)).toBe('warning');
    expect(blocks[0]).toEqual({
      type: 'header',
      text: { type: 'plain_text', text: '🔄 shop-api prod', emoji: true },
    });
    expect(body).toContain('*Status*\n🔄 Running · step 2 of 3');
    expect(body).toContain('*Run by*\ndevcloud_test');
    expect(body).toContain('<!date^1752032188^{date_short_pretty} {time}|2025-07-09 03:36 UTC>');
    // now (03:40:00) − start (03:36:28)
    expect(body).toContain('*Duration*\n3m 32s so far');
    expect(body).toContain('✅ 1. Step 1 — 10s');
    expect(body).toContain('🔄 2. Step 2 — 11s');
    expect(body).toContain('⚪ 3. Step 3');
    expect(body).toContain('<https://console.example.test/deploy/418443e4/c0efeb5c|*Open in CodeArts*>');
    expect(message.text).toBe(
      '🔄 shop-api prod: deployment is running — step 2/3 · Step 2 · duration 3m 32s',
    );
    expect(slackLimitViolations(message)).toEqual([]);
  });

  it('shows a failed run in red with the failed step marked and the configured people named', () => {
    const message = renderLivingMessage(
      failedRun(),
      ctx({ mentions: ['U012ABCDEF', 'not-a-user', '<!channel>'] }),
    );
    const body = blockText(message);

    expect(colorOf(message)).toBe('danger');
    expect(body).toContain('❌ Failed at step 3 of 5');
    expect(body).toContain('❌ 3. Start Spring Boot Service — 40s');
    expect(body).toContain('✅ 2. Stop Service — 1m 05s');
    expect(body).toContain('⚪ 4. Health Check');
    expect(body).toContain('*Duration*\n2m 02s');
    expect(body).toContain('cc <@U012ABCDEF>');
    expect(body).not.toContain('<!channel>');
    expect(message.text).toContain('deployment failed at step 3/5 · Start Spring Boot Service');
  });

  it.each([
    ['succeeded', 'good', '✅'],
    ['timeout', 'danger', '⏱️'],
    ['abort', '#9e9e9e', '⏹️'],
    ['not_started', '#9e9e9e', '🚫'],
    ['pending', '#9e9e9e', '⏳'],
    ['unknown', '#9e9e9e', '❔'],
  ] as const)('colours %s as %s', (status, color, emoji) => {
    const message = renderLivingMessage(run({ status, rawStatus: status }), ctx());
    expect(colorOf(message)).toBe(color);
    expect(message.text.startsWith(emoji)).toBe(true);
  });

  it('does not mention anyone while the run is fine', () => {
    expect(blockText(renderLivingMessage(run(), ctx({ mentions: ['U012ABCDEF'] })))).not.toContain('<@');
  });

  it('marks skipped steps and shows the stale notice with a Slack date', () => {
    const message = renderLivingMessage(
      run({ steps: [step(0, 'done'), step(1, 'skipped', { name: 'Optional' }), step(2, 'running')] }),
      ctx({ staleSince: '2025-07-09T03:00:00.000Z' }),
    );
    const body = blockText(message);
    expect(body).toContain('➖ 2. Optional _(skipped)_');
    expect(body).toContain(
      'Monitoring stale since <!date^1752030000^{date_short_pretty} {time}|2025-07-09 03:00 UTC>',
    );
    expect(message.text).toContain('monitoring stale since');
  });

  it('copes with a run that reported no steps, no start and no executor', () => {
    const message = renderLivingMessage(
      run({ steps: null, startedAt: null, executor: '', status: 'pending' }),
      ctx({ consoleUrl: null }),
    );
    const body = blockText(message);
    expect(body).toContain('_No step details reported yet._');
    expect(body).toContain('*Started*\n—');
    expect(body).not.toContain('Open in CodeArts');
    expect(slackLimitViolations(message)).toEqual([]);
  });

  it('escapes names so they cannot ping a channel or inject links', () => {
    const message = renderLivingMessage(
      run({
        executor: '<!here> & co',
        steps: [step(0, 'running', { name: '<https://evil.test|click> & <!channel>' })],
      }),
      ctx({ taskName: 'a <b> & c' }),
    );
    const json = JSON.stringify(message);
    expect(json).not.toContain('<!channel>');
    expect(json).not.toContain('<!here>');
    expect(json).not.toContain('<https://evil.test');
    expect(blockText(message)).toContain('&lt;https://evil.test|click&gt; &amp; &lt;!channel&gt;');
    expect(message.text).toContain('a &lt;b&gt; &amp; c');
    // Headers are plain text: shown as typed, nothing to escape.
    expect(allBlocks(message)[0]).toMatchObject({ text: { text: '🔄 a <b> & c' } });
  });

  it('collapses a 300-step checklist around the running step', () => {
    const steps = Array.from({ length: 300 }, (_, i) =>
      step(i, i < 150 ? 'done' : i === 150 ? 'running' : 'pending'),
    );
    const message = renderLivingMessage(run({ steps }), ctx());
    const body = blockText(message);
    expect(slackLimitViolations(message)).toEqual([]);
    expect(body).toContain('🔄 151. Step 151');
    expect(body).toMatch(/…\d+ earlier steps \(\d+ done\)/);
    expect(body).toMatch(/…and \d+ more steps/);
    const shown = body.split('\n').filter((l) => /^(✅|🔄|⚪) \d+\./.test(l)).length;
    const [, before] = /…(\d+) earlier steps/.exec(body)!;
    const [, after] = /…and (\d+) more steps/.exec(body)!;
    expect(Number(before) + shown + Number(after)).toBe(300);
  });

  it('shows the end of a long successful run and the failed step of a long failed one', () => {
    const done = Array.from({ length: 300 }, (_, i) => step(i, 'done'));
    const ok = blockText(renderLivingMessage(run({ status: 'succeeded', steps: done }), ctx()));
    expect(ok).toContain('✅ 300. Step 300');
    expect(ok).not.toContain('more steps');

    const failed = Array.from({ length: 300 }, (_, i) =>
      step(i, i < 40 ? 'done' : i === 40 ? 'failed' : 'pending'),
    );
    const bad = blockText(renderLivingMessage(run({ status: 'failed', steps: failed }), ctx()));
    expect(bad).toContain('❌ 41. Step 41');
    expect(bad).toMatch(/…and \d+ more steps/);
  });

  it('stays inside every limit with 10,000-character names everywhere', () => {
    const huge = 'N'.repeat(10_000);
    const steps = Array.from({ length: 300 }, (_, i) =>
      step(i, i < 299 ? 'done' : 'failed', { name: `"${huge}"` }),
    );
    const message = renderLivingMessage(
      run({ status: 'failed', executor: huge, rawStatus: huge, steps, taskName: huge, recordId: huge }),
      ctx({ taskName: huge, region: huge, mentions: Array.from({ length: 100 }, (_, i) => `U${i}AAAA`) }),
    );
    expect(slackLimitViolations(message)).toEqual([]);
    expect(JSON.stringify(message).length).toBeLessThanOrEqual(SLACK_LIMITS.payloadChars);
    expect(blockText(message)).toContain('❌ 300.');
  });
});
