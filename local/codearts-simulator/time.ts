// local/codearts-simulator → CodeArts' wire formats for time: zone-less local timestamps, HH:mm:ss
// durations, IAM's ISO instants with microseconds, and the X-Sdk-Date of AK/SK signing.

/** CodeArts writes wall-clock time without a zone; the documented examples look like UTC+8. */
export const DEFAULT_UTC_OFFSET_MINUTES = 480;

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** `yyyy-MM-dd HH:mm:ss` in the given offset from UTC. */
export const formatLocal = (ms: number, offsetMinutes: number = DEFAULT_UTC_OFFSET_MINUTES): string => {
  const d = new Date(ms + offsetMinutes * 60_000);
  return (
    `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`
  );
};

/** `HH:mm:ss`; hours keep counting past 24. */
export const formatDuration = (ms: number): string => {
  const total = Math.max(0, Math.floor(ms / 1000));
  return `${pad(Math.floor(total / 3600))}:${pad(Math.floor((total % 3600) / 60))}:${pad(total % 60)}`;
};

/** IAM's `2020-01-04T09:05:22.701000Z` (ISO-8601 UTC with microseconds). */
export const formatIamInstant = (ms: number): string => `${new Date(ms).toISOString().slice(0, 23)}000Z`;

/**
 * Parses a strict `yyyy-MM-dd` into the UTC midnight of that day (a day count, zone-free), or null.
 * Used only to compare calendar days, so the zone does not matter.
 */
export const parseDay = (text: string): number | null => {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const ms = Date.UTC(y, mo - 1, d);
  const back = new Date(ms);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) return null;
  return ms;
};

/** Parses `YYYYMMDDTHHMMSSZ` (X-Sdk-Date), or null. */
export const parseSdkDate = (text: string): number | null => {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  if (!m) return null;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
  return Number.isNaN(ms) ? null : ms;
};
