// core/insight → a watch's quiet hours: a daily window of local time in an IANA zone, possibly across
// midnight (`22:00` to `07:00`). Inside it only failures and stuck steps are posted; the rest is summed up in one
// message once it ends. Pure.
import { instantOf, localTime } from './zoned-time.js';

export interface QuietHours {
  /** `HH:MM`, 24-hour local time the window opens. */
  from: string;
  /** `HH:MM` it closes (earlier than `from`: the next day). */
  to: string;
  /** IANA zone the times are in. */
  timeZone: string;
}

/** A window as instants: [startMs, endMs). */
export interface QuietWindow {
  startMs: number;
  endMs: number;
}

const CLOCK = /^([01][0-9]|2[0-3]):([0-5][0-9])$/;

/** Minutes since midnight of an `HH:MM` time, or null when it is not one. */
export function clockMinutes(text: string): number | null {
  const match = CLOCK.exec(text);
  return match ? Number(match[1]) * 60 + Number(match[2]) : null;
}

const bounds = (quiet: QuietHours): { from: number; to: number } => ({
  from: clockMinutes(quiet.from) ?? 0,
  to: clockMinutes(quiet.to) ?? 0,
});

/** True when `ms` falls inside the quiet hours (the opening minute included, the closing one not). */
export function isQuietAt(quiet: QuietHours, ms: number): boolean {
  const { from, to } = bounds(quiet);
  const now = localTime(ms, quiet.timeZone).minutes;
  return from < to ? now >= from && now < to : now >= from || now < to;
}

/** The window that closes on the local date `date` (+ `dayOffset` days). */
function windowClosingOn(
  quiet: QuietHours,
  date: ReturnType<typeof localTime>,
  dayOffset: number,
): QuietWindow {
  const { from, to } = bounds(quiet);
  const endMs = instantOf(date, to, quiet.timeZone, dayOffset);
  // Across midnight, the window opened the day before it closes.
  const startMs = instantOf(date, from, quiet.timeZone, from < to ? dayOffset : dayOffset - 1);
  return { startMs, endMs };
}

/** The window `ms` falls in, or null outside the quiet hours. */
export function quietWindowAt(quiet: QuietHours, ms: number): QuietWindow | null {
  if (!isQuietAt(quiet, ms)) return null;
  const date = localTime(ms, quiet.timeZone);
  for (const offset of [0, 1]) {
    const window = windowClosingOn(quiet, date, offset);
    if (window.startMs <= ms && ms < window.endMs) return window;
  }
  return null;
}

/** The last window that closed at or before `ms`. */
export function lastClosedWindow(quiet: QuietHours, ms: number): QuietWindow {
  const date = localTime(ms, quiet.timeZone);
  const today = windowClosingOn(quiet, date, 0);
  return today.endMs <= ms ? today : windowClosingOn(quiet, date, -1);
}
