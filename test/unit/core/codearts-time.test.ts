import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_CODEARTS_TIME_ZONE,
  formatCodeArtsTime,
  parseCodeArtsTime,
  parseTimeZoneOffset,
} from '../../../functions/core/codearts-time.js';

describe('parseCodeArtsTime', () => {
  it.each([
    ['2025-07-09 11:36:28', '+08:00', '2025-07-09T03:36:28.000Z'],
    ['2025-07-09 11:36:43', '+08:00', '2025-07-09T03:36:43.000Z'],
    ['2025-07-09 03:00:00', '+08:00', '2025-07-08T19:00:00.000Z'],
    ['2025-12-31 23:59:59', '-05:00', '2026-01-01T04:59:59.000Z'],
    ['2025-07-09 11:36:28', '+05:45', '2025-07-09T05:51:28.000Z'],
    ['2025-07-09 11:36:28', 'Z', '2025-07-09T11:36:28.000Z'],
    ['2025-07-09 11:36:28', '+00:00', '2025-07-09T11:36:28.000Z'],
    ['2024-02-29 12:00:00', '+08:00', '2024-02-29T04:00:00.000Z'],
    ['  2025-07-09 11:36:28 ', '+08:00', '2025-07-09T03:36:28.000Z'],
    ['2025-07-09T11:36:28', '+08:00', '2025-07-09T03:36:28.000Z'],
    ['2025-07-09 11:36:28.57', '+08:00', '2025-07-09T03:36:28.570Z'],
    ['2025-07-09 11:36:28.123456', '+08:00', '2025-07-09T03:36:28.123Z'],
  ])('reads %j in %s as %s', (text, zone, expected) => {
    expect(parseCodeArtsTime(text, zone)).toBe(expected);
  });

  it.each([
    ['empty', ''],
    ['blank', '   '],
    ['absent', undefined],
    ['null', null],
    ['a number', 1720496188000],
    ['an object', { time: '2025-07-09 11:36:28' }],
    ['garbage', 'yesterday'],
    ['date only', '2025-07-09'],
    ['with a zone already', '2025-07-09 11:36:28+08:00'],
    ['30 February', '2025-02-30 10:00:00'],
    ['29 February in a common year', '2025-02-29 10:00:00'],
    ['month 13', '2025-13-01 10:00:00'],
    ['hour 24', '2025-07-09 24:00:00'],
    ['minute 60', '2025-07-09 11:60:00'],
    ['second 60', '2025-07-09 11:36:60'],
    ['a two-digit year', '0025-07-09 11:36:28'],
    ['single-digit fields', '2025-7-9 1:36:28'],
  ])('gives null for %s', (_label, text) => {
    expect(parseCodeArtsTime(text, '+08:00')).toBeNull();
  });

  it.each(['', '+8:00', '+0800', '08:00', 'UTC', 'Asia/Shanghai', '+15:00', '-13:00', '+08:60', '+08:00 '])(
    'rejects the zone %j',
    (zone) => {
      expect(() => parseCodeArtsTime('2025-07-09 11:36:28', zone)).toThrow(RangeError);
      expect(parseTimeZoneOffset(zone)).toBeNull();
    },
  );

  it.each([
    ['Z', 0],
    ['+08:00', 480],
    ['-03:30', -210],
    ['+14:00', 840],
    ['-12:00', -720],
  ])('reads the zone %s as %i minutes', (zone, minutes) => {
    expect(parseTimeZoneOffset(zone)).toBe(minutes);
  });

  it('defaults to UTC+8, the zone of the CodeArts examples', () => {
    expect(DEFAULT_CODEARTS_TIME_ZONE).toBe('+08:00');
  });

  it('round-trips with formatCodeArtsTime to the second, in any valid zone', () => {
    const zone = fc
      .tuple(fc.constantFrom('+', '-'), fc.integer({ min: 0, max: 11 }), fc.constantFrom(0, 15, 30, 45))
      .map(([sign, h, m]) => `${sign}${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`);
    const instant = fc.integer({ min: Date.UTC(1971, 0, 1), max: Date.UTC(2125, 11, 30) });
    fc.assert(
      fc.property(instant, zone, (ms, tz) => {
        const text = formatCodeArtsTime(ms, tz);
        expect(text).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
        expect(parseCodeArtsTime(text, tz)).toBe(new Date(Math.floor(ms / 1000) * 1000).toISOString());
      }),
      { numRuns: 300 },
    );
  });

  it('never throws for any text when the zone is valid', () => {
    fc.assert(
      fc.property(fc.anything(), (text) => {
        const out = parseCodeArtsTime(text, '+08:00');
        expect(out === null || !Number.isNaN(Date.parse(out))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
