// core/insight → digest periods: calendar days or ISO weeks (Monday to Sunday) of local time in an IANA zone, so
// "yesterday" is the reader's yesterday whatever DST did to its length. Pure.
import { instantOf, localTime } from './zoned-time.js';

export type DigestEvery = 'daily' | 'weekly';

export interface DigestOptions {
  every: DigestEvery;
  /** IANA zone whose midnights end the periods. */
  timeZone: string;
}

/** A period as instants: [startMs, endMs). */
export interface Period {
  startMs: number;
  endMs: number;
}

/** The last period that ended at or before `ms`. */
export function lastEndedPeriod(digest: DigestOptions, ms: number): Period {
  const date = localTime(ms, digest.timeZone);
  // Days back to the start of the current period: today, or this week's Monday.
  const back = digest.every === 'daily' ? 0 : date.weekday;
  const length = digest.every === 'daily' ? 1 : 7;
  const endMs = instantOf(date, 0, digest.timeZone, -back);
  const end = endMs <= ms ? endMs : instantOf(date, 0, digest.timeZone, -back - length);
  const endDate = localTime(end, digest.timeZone);
  return { startMs: instantOf(endDate, 0, digest.timeZone, -length), endMs: end };
}

/** The period just before `period` (as long in local days, however long in hours). */
export function previousPeriod(digest: DigestOptions, period: Period): Period {
  return lastEndedPeriod(digest, period.startMs);
}

/** When the period after the last ended one ends: the next time a digest falls due. */
export function nextPeriodEnd(digest: DigestOptions, ms: number): number {
  const date = localTime(ms, digest.timeZone);
  const length = digest.every === 'daily' ? 1 : 7;
  const back = digest.every === 'daily' ? 0 : date.weekday;
  return instantOf(date, 0, digest.timeZone, length - back);
}
