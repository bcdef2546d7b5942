import { describe, expect, it } from 'vitest';
import { secondsBetween } from '../../../functions/core/render/format.js';
import {
  DEFAULT_CONSOLE_URL_TEMPLATE,
  expandConsoleUrl,
  formatSeconds,
  slackDate,
} from '../../../functions/core/render/index.js';

describe('formatSeconds', () => {
  it.each([
    [0, '0s'],
    [12, '12s'],
    [59.4, '59s'],
    [65, '1m 05s'],
    [3599, '59m 59s'],
    [3600, '1h 00m 00s'],
    [3 * 3600 + 62, '3h 01m 02s'],
    [2 * 86_400 + 3 * 3600 + 4 * 60, '2d 03h 04m'],
  ])('%s → %s', (raw, text) => {
    expect(formatSeconds(raw)).toBe(text);
  });

  it('refuses what is not a duration', () => {
    expect(formatSeconds(null)).toBeNull();
    expect(formatSeconds(-1)).toBeNull();
    expect(formatSeconds(Number.NaN)).toBeNull();
    expect(formatSeconds(Number.POSITIVE_INFINITY)).toBeNull();
    expect(formatSeconds(1e300)).toBe('> 10y');
  });
});

describe('slackDate', () => {
  it('uses Slack date formatting with a UTC fallback', () => {
    expect(slackDate('2025-07-09T03:36:28.000Z')).toBe(
      '<!date^1752032188^{date_short_pretty} {time}|2025-07-09 03:36 UTC>',
    );
    expect(slackDate('not a date')).toBeNull();
    expect(slackDate(null)).toBeNull();
  });

  it('measures intervals, refusing negative ones', () => {
    expect(secondsBetween('2025-07-09T03:36:28Z', '2025-07-09T03:38:30Z')).toBe(122);
    expect(secondsBetween('2025-07-09T03:38:30Z', '2025-07-09T03:36:28Z')).toBeNull();
  });
});

describe('expandConsoleUrl', () => {
  it('fills every placeholder, URL-encoded, and leaves other text alone', () => {
    expect(
      expandConsoleUrl('https://c.test/{region}/{task_id}/{record_id}?r={region}&x={other}', {
        region: 'cn-north-4',
        taskId: 'a/b',
        recordId: 'r 1',
      }),
    ).toBe('https://c.test/cn-north-4/a%2Fb/r%201?r=cn-north-4&x={other}');
  });

  it('has a default that names all three and expands to an https URL', () => {
    for (const p of ['{region}', '{task_id}', '{record_id}'])
      expect(DEFAULT_CONSOLE_URL_TEMPLATE).toContain(p);
    const url = expandConsoleUrl(DEFAULT_CONSOLE_URL_TEMPLATE, {
      region: 'ap-southeast-3',
      taskId: 't',
      recordId: 'r',
    });
    expect(url).toMatch(/^https:\/\/[^{}]+$/);
    expect(url).toContain('ap-southeast-3');
  });
});
