// local/terminal-slack → a SlackPort that shows every message in the terminal instead of posting it, so
// `npm start` works without a Slack workspace. It behaves like Slack where the poller can tell: every post
// gets a unique, increasing `ts`, updating an unknown message fails with `message_not_found`, and messages
// carry their metadata so `findByMetadata` (the outbox's reconciliation) finds what was "posted" — also
// across restarts, when given a file to remember them in.
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { SlackMessageRef } from '../../functions/core/model.js';
import {
  SlackDeliveryError,
  type SlackFoundMessage,
  type SlackMessage,
  type SlackMetadata,
  type SlackMetadataQuery,
  type SlackPort,
  type SlackPostTarget,
  type SlackResponder,
  type SlackUserGroups,
} from '../../functions/ports.js';
import { renderMessageLines } from './blocks.js';
import { SlackDates } from './dates.js';
import { type MrkdwnContext, mrkdwnToText } from './mrkdwn.js';
import type { Screen } from './screen.js';
import { createStyle, type Style } from './style.js';
import { stripAnsi } from './width.js';

export interface TerminalSlackOptions {
  screen: Screen;
  style?: Style;
  /** IANA zone for dates and times; undefined = this machine's. */
  timeZone?: string;
  now?: () => number;
  /** A JSON-lines file remembering posted messages (not their content) across restarts. */
  persistPath?: string;
  /** Messages remembered; older ones are forgotten (their updates then fail as Slack's would). */
  maxMessages?: number;
}

/** A message as the sink keeps it. `message` is null for one remembered from an earlier run of the process. */
export interface TerminalMessage {
  channel: string;
  ts: string;
  threadTs?: string;
  broadcast?: boolean;
  metadata?: SlackMetadata;
  /** First line of the text, for "reply in thread of …". */
  title: string;
  message: SlackMessage | null;
  edits: number;
}

type Persisted = Omit<TerminalMessage, 'message' | 'edits'>;

const INDENT = '  ';
const REPLY_INDENT = '      ';
const TITLE_MAX = 60;

const key = (channel: string, ts: string) => `${channel} ${ts}`;

/** Slack ts order: seconds, then microseconds. */
const tsMicros = (ts: string): number => {
  const [seconds = '0', micros = '0'] = ts.split('.');
  return Number(seconds) * 1e6 + Number(micros.padEnd(6, '0').slice(0, 6));
};

export class TerminalSlack implements SlackPort, SlackUserGroups, SlackResponder {
  readonly #screen: Screen;
  readonly #style: Style;
  readonly #ctx: MrkdwnContext;
  readonly #plain: MrkdwnContext;
  readonly #dates: SlackDates;
  readonly #now: () => number;
  readonly #persistPath: string | undefined;
  readonly #max: number;
  readonly #messages = new Map<string, TerminalMessage>();
  /** Replies shown under each live parent, by parent key. */
  readonly #shownReplies = new Map<string, string[]>();
  #lastMicros = 0;
  #persistFailed = false;

  constructor(options: TerminalSlackOptions) {
    this.#screen = options.screen;
    this.#style = options.style ?? createStyle(false);
    this.#now = options.now ?? Date.now;
    this.#dates = new SlackDates({ timeZone: options.timeZone, now: this.#now });
    this.#ctx = { style: this.#style, dates: this.#dates };
    this.#plain = { style: createStyle(false), dates: this.#dates };
    this.#persistPath = options.persistPath;
    this.#max = options.maxMessages ?? 2000;
    if (this.#persistPath) this.#load(this.#persistPath);
  }

  /** Every message known, oldest first (content is null for those remembered from an earlier run). */
  messages(channel?: string): TerminalMessage[] {
    return [...this.#messages.values()].filter((m) => channel === undefined || m.channel === channel);
  }

  async post(target: SlackPostTarget, message: SlackMessage): Promise<SlackMessageRef> {
    const parent =
      target.threadTs === undefined ? undefined : this.#messages.get(key(target.channel, target.threadTs));
    if (target.threadTs !== undefined && !parent) {
      // What Slack answers for a reply to a thread it cannot find.
      throw new SlackDeliveryError(
        'message-gone',
        'thread_not_found',
        `no message ${target.threadTs} in ${target.channel}`,
      );
    }
    const stored: TerminalMessage = {
      channel: target.channel,
      ts: this.#nextTs(),
      ...(target.threadTs === undefined ? {} : { threadTs: target.threadTs }),
      ...(target.broadcast && target.threadTs !== undefined ? { broadcast: true } : {}),
      ...(target.metadata ? { metadata: target.metadata } : {}),
      title: this.#title(message),
      message,
      edits: 0,
    };
    this.#remember(stored);
    this.#persist(stored);
    if (parent) this.#showReply(parent, stored);
    else this.#showTop(stored);
    return { channel: stored.channel, ts: stored.ts };
  }

  async update(ref: SlackMessageRef, message: SlackMessage): Promise<void> {
    const stored = this.#messages.get(key(ref.channel, ref.ts));
    if (!stored) {
      throw new SlackDeliveryError(
        'message-gone',
        'message_not_found',
        `no message ${ref.ts} in ${ref.channel}`,
      );
    }
    stored.message = message;
    stored.title = this.#title(message);
    stored.edits++;
    if (stored.threadTs === undefined) {
      this.#showTop(stored);
      return;
    }
    const parent = this.#messages.get(key(stored.channel, stored.threadTs));
    if (parent && this.#screen.isLive(key(parent.channel, parent.ts))) this.#showTop(parent);
    else this.#screen.print(this.#replyLines(stored, parent, true));
  }

  async findByMetadata(query: SlackMetadataQuery): Promise<SlackFoundMessage | null> {
    const oldest = query.oldest === undefined ? Number.NEGATIVE_INFINITY : tsMicros(query.oldest);
    let found: TerminalMessage | null = null;
    for (const m of this.#messages.values()) {
      if (m.channel !== query.channel || m.metadata?.eventType !== query.eventType) continue;
      if (m.metadata.payload.key !== query.key) continue;
      // conversations.replies lists the thread (parent included); history lists channel messages and broadcasts.
      const inScope =
        query.threadTs !== undefined
          ? m.threadTs === query.threadTs || m.ts === query.threadTs
          : (m.threadTs === undefined || m.broadcast === true) && tsMicros(m.ts) > oldest;
      if (inScope && (found === null || tsMicros(m.ts) > tsMicros(found.ts))) found = m;
    }
    const metadata = found?.metadata;
    return found && metadata
      ? { channel: found.channel, ts: found.ts, payload: { ...metadata.payload } }
      : null;
  }

  /** The terminal has no user groups: an operator named only by group is refused here. */
  async members(_groupId: string): Promise<readonly string[]> {
    return [];
  }

  /**
   * A private answer to a button press, shown here and marked as only the presser's. Like Slack, only a response
   * URL on hooks.slack.com is answered (nothing is sent there: the terminal stands in for it).
   */
  async respond(responseUrl: string, answer: { text: string }): Promise<boolean> {
    let onHooks = false;
    try {
      const url = new URL(responseUrl);
      onHooks = url.protocol === 'https:' && url.host === 'hooks.slack.com';
    } catch {
      onHooks = false;
    }
    if (!onHooks) return false;
    const text = mrkdwnToText(answer.text, this.#ctx).split('\n');
    this.#screen.print([
      `${INDENT}${this.#style.dim('🔒 only you can see this:')} ${text[0] ?? ''}`,
      ...text.slice(1).map((line) => `${INDENT}${line}`),
      '',
    ]);
    return true;
  }

  /** A link in the shape Slack gives (`/archives/<channel>/p<ts without the dot>`); the terminal has no web. */
  async getPermalink(ref: SlackMessageRef): Promise<string> {
    if (!this.#messages.has(key(ref.channel, ref.ts))) {
      throw new SlackDeliveryError(
        'message-gone',
        'message_not_found',
        `no message ${ref.ts} in ${ref.channel}`,
      );
    }
    return `https://terminal.slack.local/archives/${encodeURIComponent(ref.channel)}/p${ref.ts.replace('.', '')}`;
  }

  // ─── Drawing ────────────────────────────────────────────────────────────────────────────────────

  #title(message: SlackMessage): string {
    const first = stripAnsi(mrkdwnToText(message.text, this.#plain)).split('\n')[0]?.trim() ?? '';
    return first.length > TITLE_MAX ? `${first.slice(0, TITLE_MAX - 1)}…` : first;
  }

  #time(ts: string): string {
    return this.#dates.clock(Math.floor(tsMicros(ts) / 1000));
  }

  #body(message: SlackMessage | null, indent: string): string[] {
    if (message === null) return [];
    const width = this.#screen.width - indent.length;
    return renderMessageLines(message, this.#ctx, width).map((line) => `${indent}${line}`);
  }

  #topHeader(m: TerminalMessage): string {
    const edited =
      m.edits > 0
        ? this.#style.dim(` · ${this.#screen.live ? 'edited' : 'updated'} ${this.#dates.clock(this.#now())}`)
        : '';
    return `${this.#style.bold(m.channel)} ${this.#style.dim(this.#time(m.ts))}${edited}`;
  }

  #replyHeader(
    m: TerminalMessage,
    parent: TerminalMessage | undefined,
    standalone: boolean,
    updated = false,
  ): string {
    const s = this.#style;
    const where = standalone ? ` in thread of “${parent?.title || m.threadTs}”` : '';
    const broadcast = m.broadcast ? s.bold(` · also sent to ${m.channel}`) : '';
    const edited = updated ? s.dim(` · updated ${this.#dates.clock(this.#now())}`) : '';
    return `${INDENT}  ${s.dim('↳')} ${s.dim(`reply${where} · ${this.#time(m.ts)}`)}${broadcast}${edited}`;
  }

  #replyLines(m: TerminalMessage, parent: TerminalMessage | undefined, updated = false): string[] {
    return [this.#replyHeader(m, parent, true, updated), ...this.#body(m.message, REPLY_INDENT), ''];
  }

  /** A top-level message with the replies shown under it in this live entry. */
  #entryLines(m: TerminalMessage): string[] {
    const lines = [this.#topHeader(m), ...this.#body(m.message, INDENT)];
    for (const replyTs of this.#shownReplies.get(key(m.channel, m.ts)) ?? []) {
      const reply = this.#messages.get(key(m.channel, replyTs));
      if (reply) lines.push(this.#replyHeader(reply, m, false), ...this.#body(reply.message, REPLY_INDENT));
    }
    lines.push('');
    return lines;
  }

  #showTop(m: TerminalMessage): void {
    const id = key(m.channel, m.ts);
    // Back from history (or new): only replies from now on are drawn under it; earlier ones are above.
    if (!this.#screen.isLive(id)) this.#shownReplies.set(id, []);
    this.#screen.show(id, this.#entryLines(m));
  }

  #showReply(parent: TerminalMessage, reply: TerminalMessage): void {
    const id = key(parent.channel, parent.ts);
    if (this.#screen.live && this.#screen.isLive(id)) {
      this.#shownReplies.get(id)?.push(reply.ts);
      this.#screen.show(id, this.#entryLines(parent));
    } else {
      this.#screen.print(this.#replyLines(reply, parent));
    }
  }

  // ─── Memory ─────────────────────────────────────────────────────────────────────────────────────

  #nextTs(): string {
    const micros = Math.max(Math.floor(this.#now() * 1000), this.#lastMicros + 1);
    this.#lastMicros = micros;
    return `${Math.floor(micros / 1e6)}.${String(micros % 1e6).padStart(6, '0')}`;
  }

  #remember(m: TerminalMessage): void {
    this.#messages.set(key(m.channel, m.ts), m);
    this.#lastMicros = Math.max(this.#lastMicros, tsMicros(m.ts));
    while (this.#messages.size > this.#max) {
      const oldest = this.#messages.keys().next().value;
      if (oldest === undefined) break;
      this.#messages.delete(oldest);
      this.#shownReplies.delete(oldest);
    }
  }

  #persist(m: TerminalMessage): void {
    if (!this.#persistPath) return;
    const record: Persisted = {
      channel: m.channel,
      ts: m.ts,
      title: m.title,
      ...(m.threadTs === undefined ? {} : { threadTs: m.threadTs }),
      ...(m.broadcast ? { broadcast: true } : {}),
      ...(m.metadata ? { metadata: m.metadata } : {}),
    };
    try {
      // Synchronous on purpose: once post() resolves the record is on disk, as a real post is in Slack.
      appendFileSync(this.#persistPath, `${JSON.stringify(record)}\n`, { mode: 0o600 });
    } catch (error) {
      if (!this.#persistFailed) {
        this.#persistFailed = true;
        this.#screen.print([
          `terminal Slack: cannot remember messages in ${this.#persistPath}: ${String(error)}`,
        ]);
      }
    }
  }

  #load(path: string): void {
    let raw: string;
    try {
      raw = readFileSync(path, 'utf8');
    } catch {
      mkdirSync(dirname(path), { recursive: true });
      return;
    }
    const lines = raw.split('\n').filter((line) => line.trim() !== '');
    for (const line of lines) {
      try {
        const record = JSON.parse(line) as Persisted;
        if (typeof record.channel !== 'string' || typeof record.ts !== 'string') continue;
        this.#remember({ ...record, title: String(record.title ?? ''), message: null, edits: 0 });
      } catch {
        // A line cut short by a crash mid-write: that message was never acknowledged, so forget it.
      }
    }
    if (lines.length > this.#messages.size) {
      // Compact: keep only what is remembered, so the file does not grow without end.
      const kept = [...this.#messages.values()].map(({ message: _m, edits: _e, ...record }) =>
        JSON.stringify(record),
      );
      writeFileSync(path, kept.length > 0 ? `${kept.join('\n')}\n` : '', { mode: 0o600 });
    }
  }
}
