// core/insight → wall-clock time in an IANA zone, with Intl only. Written by hand because it is small: Node 20
// has no Temporal, and the two conversions below (an instant to its local date and time, a local date and time
// to its instant, DST gaps and overlaps included) are all quiet hours and digest periods need. Pure.

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

/** A calendar date and a time of day (minutes since midnight) in some zone. */
export interface LocalTime {
  year: number;
  /** 1–12. */
  month: number;
  day: number;
  /** 0–1439. */
  minutes: number;
  /** 0 = Monday … 6 = Sunday. */
  weekday: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** True for a time zone this runtime knows (an IANA name such as `Europe/Berlin`, or `UTC`). */
export function isTimeZone(timeZone: string): boolean {
  if (timeZone.length === 0 || timeZone.length > 64) return false;
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The zone's wall clock at `ms`, as epoch ms of the same digits read as UTC (seconds included). */
function wallClockMs(ms: number, timeZone: string): number {
  const parts: Record<string, number> = {};
  for (const part of formatter(timeZone).formatToParts(new Date(ms))) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  return Date.UTC(
    parts.year ?? 1970,
    (parts.month ?? 1) - 1,
    parts.day ?? 1,
    parts.hour ?? 0,
    parts.minute ?? 0,
    parts.second ?? 0,
  );
}

/** The zone's UTC offset at `ms` (local − UTC), in ms. */
const offsetAt = (ms: number, timeZone: string): number =>
  wallClockMs(Math.floor(ms / 1000) * 1000, timeZone) - Math.floor(ms / 1000) * 1000;

/** The local date and time of `ms` in `timeZone`. */
export function localTime(ms: number, timeZone: string): LocalTime {
  const wall = new Date(wallClockMs(ms, timeZone));
  return {
    year: wall.getUTCFullYear(),
    month: wall.getUTCMonth() + 1,
    day: wall.getUTCDate(),
    minutes: wall.getUTCHours() * 60 + wall.getUTCMinutes(),
    weekday: (wall.getUTCDay() + 6) % 7,
  };
}

/**
 * The instant of a local date and time in `timeZone` (`dayOffset` days after the given date). Like Temporal's
 * "compatible" choice: a time skipped by a DST change is moved forward by the change (02:30 on a spring-forward
 * night is 03:30), and a time that happens twice (autumn) is its first occurrence.
 */
export function instantOf(
  date: Pick<LocalTime, 'year' | 'month' | 'day'>,
  minutes: number,
  timeZone: string,
  dayOffset = 0,
): number {
  const wall = Date.UTC(date.year, date.month - 1, date.day + dayOffset) + minutes * MINUTE_MS;
  // Real zones change their offset at most once in two days, so the offsets a day either side are the two
  // candidates.
  const before = offsetAt(wall - DAY_MS, timeZone);
  const after = offsetAt(wall + DAY_MS, timeZone);
  const candidates = [wall - before, wall - after].filter((t) => wallClockMs(t, timeZone) === wall);
  if (candidates.length > 0) return Math.min(...candidates);
  // In a gap: the offset from before the change puts the time as far past the change as it was meant to be.
  return wall - before;
}
