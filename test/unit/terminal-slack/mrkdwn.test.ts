import { describe, expect, it } from 'vitest';
import { createStyle, mrkdwnToText, SlackDates } from '../../../local/terminal-slack/index.js';

// 2025-07-09T03:40:00Z; dates render in UTC so the expectations do not depend on the machine.
const NOW = Date.UTC(2025, 6, 9, 3, 40, 0);
const dates = new SlackDates({ timeZone: 'UTC', now: () => NOW });
const plain = { style: createStyle(false), dates };
const color = { style: createStyle(true), dates };
const ESC = String.fromCharCode(27);
const sgr = (code: string) => `${ESC}[${code}m`;

describe('mrkdwn to terminal text', () => {
  it('drops emphasis markers in plain text and styles them in colour', () => {
    expect(mrkdwnToText('*Status* is _fine_ and ~gone~', plain)).toBe('Status is fine and gone');
    expect(mrkdwnToText('*Status*', color)).toBe(`${sgr('1')}Status${sgr('22')}`);
    expect(mrkdwnToText('_(skipped)_', color)).toBe(`${sgr('3')}(skipped)${sgr('23')}`);
    expect(mrkdwnToText('~old~', color)).toBe(`${sgr('9')}old${sgr('29')}`);
  });

  it('leaves markers inside words and unmatched markers alone', () => {
    expect(mrkdwnToText('snake_case_name and 2*3*4 and a * b', plain)).toBe(
      'snake_case_name and 2*3*4 and a * b',
    );
  });

  it('keeps inline code literal, with backticks when there is no colour', () => {
    expect(mrkdwnToText('run `npm *start*` now', plain)).toBe('run `npm *start*` now');
    expect(mrkdwnToText('run `npm start`', color)).toBe(`run ${sgr('36')}npm start${sgr('39')}`);
    expect(mrkdwnToText('```a\nb```', plain)).toBe('`a`\n`b`');
  });

  it('shows links as label and URL, and a bare URL once', () => {
    expect(mrkdwnToText('<https://example.com/a?x=1&amp;y=2|*How to fix*>', plain)).toBe(
      'How to fix (https://example.com/a?x=1&y=2)',
    );
    expect(mrkdwnToText('see <https://example.com>', plain)).toBe('see https://example.com');
  });

  it('turns user, channel and special mentions into @names and #names', () => {
    expect(
      mrkdwnToText('cc <@U0123ABCD> <@U9|ann> in <#C0123|deploys> <!here> <!subteam^S1|@ops>', plain),
    ).toBe('cc @U0123ABCD @ann in #deploys @here @ops');
  });

  it('formats Slack date tokens in the local zone, relative to today', () => {
    const epoch = Date.UTC(2025, 6, 9, 3, 36, 28) / 1000;
    expect(mrkdwnToText(`<!date^${epoch}^{date_short_pretty} {time}|2025-07-09 03:36 UTC>`, plain)).toBe(
      'Today 03:36',
    );
    expect(mrkdwnToText(`<!date^${epoch - 86_400}^{date_short_pretty} {time_secs}|x>`, plain)).toBe(
      'Yesterday 03:36:28',
    );
    expect(mrkdwnToText(`<!date^${epoch - 3 * 86_400}^{date_num} {date_short}|x>`, plain)).toBe(
      '2025-07-06 Jul 6, 2025',
    );
    expect(mrkdwnToText(`<!date^${epoch}^{ago}|x>`, plain)).toBe('3 minutes ago');
    expect(mrkdwnToText('<!date^nope^{time}|the fallback>', plain)).toBe('the fallback');
  });

  it('unescapes the three entities exactly once', () => {
    expect(mrkdwnToText('a &lt;b&gt; &amp;lt; c', plain)).toBe('a <b> &lt; c');
  });

  it('applies emphasis around tokens', () => {
    expect(mrkdwnToText('*<https://x.test|Open>*', plain)).toBe('Open (https://x.test)');
    expect(mrkdwnToText('🚨 <@U0123ABCD> *deployment failed* at step 3', plain)).toBe(
      '🚨 @U0123ABCD deployment failed at step 3',
    );
  });
});
