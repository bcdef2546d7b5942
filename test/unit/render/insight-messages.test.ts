// Every message insight adds, for 60 steps and names at CodeArts' clip full of markup: inside Slack's limits, with
// a text fallback, and saying what it must.
import { describe, expect, it } from 'vitest';
import { slackLimitViolations } from '../../../functions/core/render/index.js';
import { insightSamples } from '../../support/insight-samples.js';

const samples = insightSamples();
const all = (name: string) => {
  const m = samples[name]!;
  return `${m.text}\n${JSON.stringify(m.blocks ?? [])}\n${JSON.stringify(m.attachments ?? [])}`;
};

describe('insight messages for 60 steps and long names', () => {
  it.each(Object.keys(samples))('%s: inside Slack’s limits, with a text fallback', (name) => {
    const message = samples[name]!;
    expect(slackLimitViolations(message)).toEqual([]);
    expect(message.text.trim()).not.toBe('');
    expect(JSON.stringify(message)).not.toMatch(/<!(channel|here|everyone)/);
  });

  it('each says what it must', () => {
    const living = all('living message, running: usual times, expected end, a stuck step, the executor');
    for (const part of [
      '(usually 1m 01s)',
      '⚠️ usually 1m 01s',
      '*Expected end*',
      '*Run by*\\n<@U0EXECUTOR1>',
    ]) {
      expect(living).toContain(part);
    }
    expect(samples['thread reply: a stuck step']!.text).toMatch(
      /^⚠️ <@U0ONCALL01> <@U0EXECUTOR1> .*a step is taking far longer than usual\n⚠️ Step 31\/60 · .* has run 25m 10s, usually 1m 01s$/,
    );
    expect(samples['thread reply: the stuck step finally ends']!.text).toContain(
      'finished in 25m 10s — finally (usually 1m 01s)',
    );
    expect(samples['thread reply (broadcast): the fix']!.text).toContain(
      '✅ Deployment succeeded in 31m 00s — ✅ fixed: broken for 2h 19m 00s over 3 failed runs',
    );
    expect(all('living message of the failed run, once fixed')).toContain('✅ *Fixed* by run 2c82ffe8');
    expect(all('notify failures: the fix')).toContain('✅ fixed: broken for 2h 19m 00s over 3 failed runs');
    expect(all('quiet-hours summary')).toContain('…7 earlier');
    expect(all('daily digest')).toContain('12 (▲ 3 on the day before)');
  });
});
