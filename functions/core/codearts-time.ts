// core → CodeArts' zone-less local timestamps (`yyyy-MM-dd HH:mm:ss`) to and from ISO-8601 UTC.
// CodeArts never says which zone its times are in, so the zone is configuration (`CODEARTS_TIME_ZONE`).

import { DEFAULTS } from '../shared/defaults.js';

/** The zone the app assumes when none is configured: the CodeArts examples read as UTC+8. */
export const DEFAULT_CODEARTS_TIME_ZONE = DEFAULTS.codeartsTimeZone;

const ZONE_PATTERN = /^([+-])(\d{2}):(\d{2})$/;
// Real-world offsets span UTC−12:00 … UTC+14:00.
const MAX_OFFSET_MINUTES = 14 * 60;
const MIN_OFFSET_MINUTES = -12 * 60;

/**
 * The offset from UTC, in minutes, of a zone written `Z` or `±HH:MM` (e.g. `+08:00` → 480);
 * null when the text is not such a zone.
 */
export function parseTimeZoneOffset(zone: string): number | null {
  if (zone === 'Z') return 0;
  const match = ZONE_PATTERN.exec(zone);
  if (!match) return null;
  const [, sign, hh, mm] = match;
  const hours = Number(hh);
  const minutes = Number(mm);
  if (minutes > 59) return null;
  const offset = (sign === '-' ? -1 : 1) * (hours * 60 + minutes);
  return offset < MIN_OFFSET_MINUTES || offset > MAX_OFFSET_MINUTES ? null : offset;
}

/** Like {@link parseTimeZoneOffset}, but throws RangeError for an invalid zone. */
export function requireTimeZoneOffset(timeZone: string): number {
  const offset = parseTimeZoneOffset(timeZone);
  // A bad zone is a configuration error, not bad data: fail loudly instead of nulling every time.
  if (offset === null) {
    throw new RangeError(`Invalid CodeArts time zone "${timeZone}": expected Z or ±HH:MM, e.g. +08:00`);
  }
  return offset;
}

// The documented form, tolerating an ISO `T` separator and fractional seconds should CodeArts send them.
const TIME_PATTERN = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?$/;

/**
 * Converts a CodeArts timestamp such as `2025-07-09 11:36:28`, read in `timeZone` (`Z` or `±HH:MM`),
 * to ISO-8601 UTC (`2025-07-09T03:36:28.000Z`). Empty, absent, non-string or impossible times
 * (`2025-02-30 …`) give null. Throws RangeError when `timeZone` itself is invalid.
 */
export function parseCodeArtsTime(text: unknown, timeZone: string): string | null {
  const offset = requireTimeZoneOffset(timeZone);
  if (typeof text !== 'string') return null;
  const match = TIME_PATTERN.exec(text.trim());
  if (!match) return null;
  const [, y, mo, d, h, mi, s, frac] = match;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  // Truncated to milliseconds as text: `Number('0.57') * 1000` is 569.999….
  const millis = frac === undefined ? 0 : Number(frac.padEnd(3, '0').slice(0, 3));
  if (year < 1000 || month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) {
    return null;
  }
  // Date.UTC maps years 0–99 to 19xx; the year check above keeps us clear of that.
  const localAsUtc = Date.UTC(year, month - 1, day, hour, minute, second, millis);
  // Date.UTC rolls 30 February over into March; a day that moved was not a real date.
  if (new Date(localAsUtc).getUTCDate() !== day) return null;
  return new Date(localAsUtc - offset * 60_000).toISOString();
}

/**
 * Renders an instant (ms since the epoch) the way CodeArts does, in `timeZone`: `yyyy-MM-dd HH:mm:ss`.
 * The inverse of {@link parseCodeArtsTime} to the second; used by the simulator and fixtures.
 */
export function formatCodeArtsTime(epochMs: number, timeZone: string): string {
  const offset = requireTimeZoneOffset(timeZone);
  const iso = new Date(epochMs + offset * 60_000).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
}

/** The epoch ms of an ISO-8601 time as the notifier stores them; null when it is absent or not a time. */
export function epochMsOf(iso: string | null | undefined): number | null {
  if (!iso) return null;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? null : ms;
}
