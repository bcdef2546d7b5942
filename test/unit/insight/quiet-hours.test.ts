// Quiet hours and digest periods in IANA zones: windows across midnight, DST gaps and overlaps, zones with
// half-hour offsets and half-hour DST.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { lastEndedPeriod, nextPeriodEnd, previousPeriod } from '../../../functions/core/insight/periods.js';
import {
  clockMinutes,
  isQuietAt,
  lastClosedWindow,
  type QuietHours,
  quietWindowAt,
} from '../../../functions/core/insight/quiet-hours.js';
import { instantOf, isTimeZone, localTime } from '../../../functions/core/insight/zoned-time.js';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString();
const NIGHT: QuietHours = { from: '22:00', to: '07:00', timeZone: 'Europe/Berlin' };

describe('clock times and zones', () => {
  it.each([
    ['00:00', 0],
    ['07:30', 450],
    ['23:59', 1439],
    ['24:00', null],
    ['7:30', null],
    ['07:60', null],
    ['', null],
  ])('%j is %j minutes', (text, minutes) => {
    expect(clockMinutes(text)).toBe(minutes);
  });

  it.each([
    ['Europe/Berlin', true],
    ['UTC', true],
    ['America/New_York', true],
    ['Mars/Olympus_Mons', false],
    ['', false],
    ['+02:00x', false],
  ])('%j is a zone: %j', (zone, known) => {
    expect(isTimeZone(zone)).toBe(known);
  });
});

describe('local time and back', () => {
  it.each([
    // a time skipped when Berlin springs forward (02:00 → 03:00 on 29 March 2026) moves forward by the hour
    ['Europe/Berlin', { year: 2026, month: 3, day: 29 }, 150, '2026-03-29T01:30:00.000Z'],
    // a time that happens twice when it falls back (03:00 → 02:00 on 25 October 2026) is its first occurrence
    ['Europe/Berlin', { year: 2026, month: 10, day: 25 }, 150, '2026-10-25T00:30:00.000Z'],
    ['Europe/Berlin', { year: 2026, month: 1, day: 10 }, 22 * 60, '2026-01-10T21:00:00.000Z'],
    ['Asia/Kolkata', { year: 2026, month: 6, day: 1 }, 0, '2026-05-31T18:30:00.000Z'],
    // Lord Howe moves by half an hour: 02:00 → 02:30 on 4 October 2026
    ['Australia/Lord_Howe', { year: 2026, month: 10, day: 4 }, 2 * 60 + 15, '2026-10-03T15:45:00.000Z'],
    ['UTC', { year: 2026, month: 2, day: 28 }, 24 * 60, '2026-03-01T00:00:00.000Z'],
  ])('%s %j at minute %i is %s', (zone, date, minutes, expected) => {
    expect(iso(instantOf(date, minutes, zone))).toBe(expected);
  });

  it('every instant maps to a local time that maps back to it (outside gaps and overlaps: always)', () => {
    const zones = ['Europe/Berlin', 'America/New_York', 'Asia/Kolkata', 'Australia/Lord_Howe', 'UTC'];
    fc.assert(
      fc.property(
        fc.constantFrom(...zones),
        fc.integer({ min: Date.parse('2020-01-01'), max: Date.parse('2035-01-01') }),
        (zone, ms) => {
          const minute = Math.floor(ms / 60_000) * 60_000;
          const local = localTime(minute, zone);
          const back = instantOf(local, local.minutes, zone);
          // In an autumn overlap the first occurrence comes back, at most the DST shift earlier.
          expect(minute - back).toBeGreaterThanOrEqual(0);
          expect(minute - back).toBeLessThanOrEqual(3600_000);
          expect(localTime(back, zone).minutes).toBe(local.minutes);
        },
      ),
    );
  });
});

describe('quiet hours', () => {
  it.each([
    ['2026-01-10T20:59:00.000Z', false, 'a minute before 22:00 Berlin (winter, UTC+1)'],
    ['2026-01-10T21:00:00.000Z', true, '22:00 opens the window'],
    ['2026-01-10T23:30:00.000Z', true, 'after midnight UTC, still the same night'],
    ['2026-01-11T05:59:59.000Z', true, '06:59:59 Berlin'],
    ['2026-01-11T06:00:00.000Z', false, '07:00 closes it'],
    ['2026-07-10T20:00:00.000Z', true, '22:00 Berlin in summer is 20:00 UTC'],
    ['2026-07-11T05:00:00.000Z', false, '07:00 Berlin in summer is 05:00 UTC'],
  ])('%s quiet: %j (%s)', (when, quiet, _why) => {
    expect(isQuietAt(NIGHT, at(when))).toBe(quiet);
  });

  it.each([
    [
      '2026-01-10T23:00:00.000Z',
      '2026-01-10T21:00:00.000Z',
      '2026-01-11T06:00:00.000Z',
      'a winter night: 9 h',
    ],
    [
      '2026-03-29T00:30:00.000Z',
      '2026-03-28T21:00:00.000Z',
      '2026-03-29T05:00:00.000Z',
      'spring forward: 8 h',
    ],
    ['2026-10-25T03:00:00.000Z', '2026-10-24T20:00:00.000Z', '2026-10-25T06:00:00.000Z', 'fall back: 10 h'],
  ])('the window around %s is %s – %s (%s)', (when, start, end, _why) => {
    expect(quietWindowAt(NIGHT, at(when))).toEqual({ startMs: at(start), endMs: at(end) });
  });

  it('a window within one day (12:00–14:00 New York) is not taken for one across midnight', () => {
    const lunch: QuietHours = { from: '12:00', to: '14:00', timeZone: 'America/New_York' };
    expect(isQuietAt(lunch, at('2026-06-01T16:30:00.000Z'))).toBe(true); // 12:30 EDT
    expect(isQuietAt(lunch, at('2026-06-01T03:00:00.000Z'))).toBe(false); // 23:00 EDT
    expect(quietWindowAt(lunch, at('2026-06-01T16:30:00.000Z'))).toEqual({
      startMs: at('2026-06-01T16:00:00.000Z'),
      endMs: at('2026-06-01T18:00:00.000Z'),
    });
    expect(quietWindowAt(lunch, at('2026-06-01T19:00:00.000Z'))).toBeNull();
  });

  it.each([
    ['2026-01-11T08:00:00.000Z', '2026-01-10T21:00:00.000Z', '2026-01-11T06:00:00.000Z', 'the morning after'],
    [
      '2026-01-11T06:00:00.000Z',
      '2026-01-10T21:00:00.000Z',
      '2026-01-11T06:00:00.000Z',
      'the very minute it closes',
    ],
    [
      '2026-01-11T05:00:00.000Z',
      '2026-01-09T21:00:00.000Z',
      '2026-01-10T06:00:00.000Z',
      'inside: the night before',
    ],
    [
      '2026-03-29T12:00:00.000Z',
      '2026-03-28T21:00:00.000Z',
      '2026-03-29T05:00:00.000Z',
      'after spring forward',
    ],
  ])('at %s the last closed window is %s – %s (%s)', (when, start, end, _why) => {
    expect(lastClosedWindow(NIGHT, at(when))).toEqual({ startMs: at(start), endMs: at(end) });
  });

  it('an instant is quiet exactly when it lies in the window found for it', () => {
    const zones = ['Europe/Berlin', 'America/New_York', 'Australia/Lord_Howe', 'UTC'];
    const clock = fc
      .tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }))
      .map(([h, m]) => `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`);
    fc.assert(
      fc.property(
        fc.constantFrom(...zones),
        clock,
        clock,
        fc.integer({ min: Date.parse('2024-01-01'), max: Date.parse('2030-01-01') }),
        (timeZone, from, to, ms) => {
          fc.pre(from !== to);
          const quiet = { from, to, timeZone };
          const window = quietWindowAt(quiet, ms);
          if (window !== null) {
            expect(window.startMs).toBeLessThanOrEqual(ms);
            expect(window.endMs).toBeGreaterThan(ms);
          }
          const closed = lastClosedWindow(quiet, ms);
          expect(closed.endMs).toBeLessThanOrEqual(ms);
          expect(closed.startMs).toBeLessThan(closed.endMs + 3600_000);
          expect(ms - closed.endMs).toBeLessThanOrEqual(25 * 3600_000);
        },
      ),
    );
  });
});

describe('digest periods', () => {
  const daily = { every: 'daily' as const, timeZone: 'Europe/Berlin' };
  const weekly = { every: 'weekly' as const, timeZone: 'Europe/Berlin' };

  it.each([
    [
      daily,
      '2026-01-11T10:00:00.000Z',
      '2026-01-09T23:00:00.000Z',
      '2026-01-10T23:00:00.000Z',
      'yesterday, Berlin',
    ],
    [
      daily,
      '2026-01-10T23:00:00.000Z',
      '2026-01-09T23:00:00.000Z',
      '2026-01-10T23:00:00.000Z',
      'at midnight itself',
    ],
    [
      daily,
      '2026-03-30T10:00:00.000Z',
      '2026-03-28T23:00:00.000Z',
      '2026-03-29T22:00:00.000Z',
      'a 23-hour day',
    ],
    [
      daily,
      '2026-10-26T10:00:00.000Z',
      '2026-10-24T22:00:00.000Z',
      '2026-10-25T23:00:00.000Z',
      'a 25-hour day',
    ],
    [
      weekly,
      '2026-04-01T10:00:00.000Z',
      '2026-03-22T23:00:00.000Z',
      '2026-03-29T22:00:00.000Z',
      'last ISO week',
    ],
    [
      weekly,
      '2026-03-29T21:00:00.000Z',
      '2026-03-15T23:00:00.000Z',
      '2026-03-22T23:00:00.000Z',
      'on Sunday night',
    ],
    [
      { every: 'daily' as const, timeZone: 'UTC' },
      '2026-01-01T00:00:01.000Z',
      '2025-12-31T00:00:00.000Z',
      '2026-01-01T00:00:00.000Z',
      'UTC, over new year',
    ],
  ])('%j at %s: %s – %s (%s)', (digest, when, start, end, _why) => {
    expect(lastEndedPeriod(digest, at(when))).toEqual({ startMs: at(start), endMs: at(end) });
  });

  it('the previous period ends where the last one starts; the next ends a period later', () => {
    const last = lastEndedPeriod(weekly, at('2026-04-01T10:00:00.000Z'));
    const before = previousPeriod(weekly, last);
    expect(before.endMs).toBe(last.startMs);
    expect(iso(before.startMs)).toBe('2026-03-15T23:00:00.000Z');
    expect(iso(nextPeriodEnd(weekly, at('2026-04-01T10:00:00.000Z')))).toBe('2026-04-05T22:00:00.000Z');
    expect(iso(nextPeriodEnd(daily, at('2026-01-11T10:00:00.000Z')))).toBe('2026-01-11T23:00:00.000Z');
  });
});
