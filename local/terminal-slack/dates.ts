// local/terminal-slack → Slack's date tokens (`<!date^EPOCH^{date_short_pretty} {time}|fallback>`), shown
// in the terminal's own time zone the way a Slack client shows them in the reader's.

export interface DateOptions {
  /** IANA zone for dates; undefined = this machine's zone. */
  timeZone?: string | undefined;
  /** For "Today" / "Yesterday" and `{ago}`. */
  now: () => number;
}

export class SlackDates {
  readonly #timeZone: string | undefined;
  readonly #now: () => number;

  constructor(options: DateOptions) {
    this.#timeZone = options.timeZone;
    this.#now = options.now;
  }

  #format(ms: number, options: Intl.DateTimeFormatOptions): string {
    return new Intl.DateTimeFormat('en-US', { ...options, timeZone: this.#timeZone }).format(ms);
  }

  /** `2025-07-09` in the display zone. */
  dayOf(ms: number): string {
    const parts = new Intl.DateTimeFormat('en-CA', {
      timeZone: this.#timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
    }).formatToParts(ms);
    const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
    return `${get('year')}-${get('month')}-${get('day')}`;
  }

  /** `14:03:05`, the time stamp printed beside each message. */
  clock(ms: number): string {
    return this.#format(ms, { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
  }

  #relativeDay(ms: number): string | null {
    const day = this.dayOf(ms);
    const now = this.#now();
    if (day === this.dayOf(now)) return 'Today';
    if (day === this.dayOf(now - 86_400_000)) return 'Yesterday';
    if (day === this.dayOf(now + 86_400_000)) return 'Tomorrow';
    return null;
  }

  #ago(ms: number): string {
    const seconds = Math.round((this.#now() - ms) / 1000);
    const abs = Math.abs(seconds);
    const [value, unit] =
      abs < 60
        ? [abs, 'second']
        : abs < 3600
          ? [Math.floor(abs / 60), 'minute']
          : abs < 86_400
            ? [Math.floor(abs / 3600), 'hour']
            : [Math.floor(abs / 86_400), 'day'];
    const text = `${value} ${unit}${value === 1 ? '' : 's'}`;
    return seconds >= 0 ? `${text} ago` : `in ${text}`;
  }

  /** Expands a Slack date template; unknown tokens are left as they are. */
  render(epochSeconds: number, template: string): string {
    const ms = epochSeconds * 1000;
    const date = () => this.#format(ms, { month: 'long', day: 'numeric', year: 'numeric' });
    const short = () => this.#format(ms, { month: 'short', day: 'numeric', year: 'numeric' });
    const long = () => this.#format(ms, { weekday: 'long', month: 'long', day: 'numeric', year: 'numeric' });
    const tokens: Record<string, () => string> = {
      date_num: () => this.dayOf(ms),
      date,
      date_short: short,
      date_long: long,
      date_pretty: () => this.#relativeDay(ms) ?? date(),
      date_short_pretty: () => this.#relativeDay(ms) ?? short(),
      date_long_pretty: () => this.#relativeDay(ms) ?? long(),
      time: () => this.#format(ms, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }),
      time_secs: () => this.clock(ms),
      ago: () => this.#ago(ms),
    };
    return template.replace(/\{([a-z_]+)\}/g, (whole, name: string) => tokens[name]?.() ?? whole);
  }
}
