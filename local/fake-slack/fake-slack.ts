// local → a fake Slack Web API over real HTTP, for tests and local runs: `@slack/web-api` talks to it through
// `slackApiUrl` exactly as it talks to Slack, so client settings, retries and error mapping are exercised for real.
// It keeps every call and message for assertions and can inject the failures Slack and networks produce.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { streamFlood } from '../flood.js';
import { listen } from '../listen.js';
import { type FakeSlackLimits, SlackRateLimits } from './rate-limits.js';

export interface FakeSlackCall {
  method: string;
  /** Parsed arguments (JSON fields decoded, booleans and numbers coerced); any `token` field removed. */
  args: Record<string, unknown>;
  /** HTTP status answered; 0 when no answer was sent (hang). */
  status: number;
  ok: boolean;
  /** Slack's `error` string, or the injected fault's description. */
  error?: string;
  /** The injected fault that shaped this call, if any. */
  fault?: FakeSlackFault['kind'];
  /** For a `flood` fault: the body bytes written before the client stopped reading (set when it is over). */
  bytesSent?: number;
  at: string;
}

export interface FakeSlackEdit {
  text: string;
  blocks: unknown[] | null;
  attachments: unknown[] | null;
  at: string;
}

export interface FakeSlackMetadata {
  event_type: string;
  event_payload: Record<string, unknown>;
}

export interface FakeSlackMessage {
  channel: string;
  ts: string;
  /** The parent's ts for a thread reply; null for a top-level message. */
  threadTs: string | null;
  text: string;
  blocks: unknown[] | null;
  attachments: unknown[] | null;
  metadata: FakeSlackMetadata | null;
  /** A thread reply also shown in the channel (`reply_broadcast`). */
  broadcast: boolean;
  /** The content set by each `chat.update`, oldest first. */
  edits: FakeSlackEdit[];
  /** 'bot': posted through the API; 'user': seeded as someone else's message (the bot cannot edit it). */
  author: 'bot' | 'user';
}

interface FaultScope {
  /** Only calls about this channel (default: any). */
  channel?: string;
  /** Only this API method, e.g. 'chat.postMessage' (default: any). */
  method?: string;
  /** Only posts and edits whose `metadata.event_payload.key` is this (one run's messages; default: any). */
  eventKey?: string;
  /** How many matching calls it affects; default 1 (platform errors: forever). */
  times?: number;
}

export type FakeSlackFault =
  /** HTTP 429, with `Retry-After: retryAfter` when given. */
  | ({ kind: 'rate-limit'; retryAfter?: number } & FaultScope)
  /** An HTTP error status (e.g. 503) with an HTML body, as from Slack's edge. */
  | ({ kind: 'http-error'; status: number } & FaultScope)
  /** Accepts the request and never answers (until the client gives up or the fake stops). */
  | ({ kind: 'hang' } & FaultScope)
  /** HTTP 200 `{ ok: false, error }`, e.g. `channel_not_found`, `not_in_channel`, `is_archived`, `invalid_auth`. */
  | ({ kind: 'platform-error'; error: string } & FaultScope)
  /** Performs the call (the message is stored) and then drops the connection: an unknown outcome. */
  | ({ kind: 'lose-response' } & FaultScope)
  /** A 200 JSON body of `bytes` bytes, with `Content-Length` unless `declareLength` is false. */
  | ({ kind: 'flood'; bytes: number; declareLength?: boolean } & FaultScope);

/** A private answer posted to a `response_url` (see {@link FakeSlack.responseUrl}). */
export interface FakeSlackResponse {
  /** The URL it was posted to. */
  url: string;
  /** The JSON body, parsed (null when it was not JSON). */
  body: Record<string, unknown> | null;
  /** HTTP status answered. */
  status: number;
  at: string;
}

export interface FakeSlackOptions {
  /** Port to listen on; default 0 (any free port). */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** The bot token accepted; default 'xoxb-test'. */
  token?: string;
  /** Milliseconds since the epoch, for message timestamps; default Date.now (tests may pass a manual clock). */
  now?: () => number;
  /** Delay (real ms) before every answer, without blocking other requests, as a remote Slack has. Default 0. */
  latencyMs?: number;
  /** Slack's rate limits, enforced on `now` (see rate-limits.ts for the exact rule); default none. */
  limits?: FakeSlackLimits;
}

interface Answer {
  status: number;
  body: Record<string, unknown> | string;
  headers?: Record<string, string>;
}

type Args = Record<string, unknown>;

const BOT_USER = 'U0FAKEBOT';
const BOT_ID = 'B0FAKEBOT';
const APP_ID = 'A0FAKEAPP';
const HUMAN_USER = 'U0SOMEONE';
const MAX_BODY_BYTES = 2 * 1024 * 1024;
/** Slack takes at most five answers per response URL. */
const RESPONSE_URL_USES = 5;

const JSON_FIELDS = ['blocks', 'attachments', 'metadata'] as const;
const BOOLEAN_FIELDS = [
  'reply_broadcast',
  'include_all_metadata',
  'inclusive',
  'unfurl_links',
  'unfurl_media',
  'mrkdwn',
  'as_user',
  'link_names',
];
const NUMBER_FIELDS = ['limit'];

const fail = (error: string, extra: Record<string, unknown> = {}): Answer => ({
  status: 200,
  body: { ok: false, error, ...extra },
});
const ok = (body: Record<string, unknown> = {}): Answer => ({ status: 200, body: { ok: true, ...body } });

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Slack timestamps compare as decimal numbers with six fractional digits. */
const tsValue = (ts: string): number => {
  const n = Number(ts);
  return Number.isFinite(n) ? n : Number.NaN;
};

const clone = <T>(value: T): T => structuredClone(value);

export class FakeSlack {
  readonly url: string;
  #token: string;
  /** Real milliseconds before each answer; may be changed at any time. */
  latencyMs: number;
  private readonly server: Server;
  private readonly now: () => number;
  private readonly callLog: FakeSlackCall[] = [];
  /** Every message, in the order it was posted. */
  private readonly store: FakeSlackMessage[] = [];
  private readonly lastTs = new Map<string, number>();
  private faults: Array<{ fault: FakeSlackFault; remaining: number }> = [];
  private readonly hung = new Set<ServerResponse>();
  /** Answers waiting out `latencyMs`; stop() cancels them. */
  private readonly delayed = new Set<NodeJS.Timeout>();
  private revoked = false;
  private rateLimits: SlackRateLimits | null;
  private readonly userGroups = new Map<string, string[]>();
  private readonly responseLog: FakeSlackResponse[] = [];
  private responseUrls = 0;

  private constructor(
    server: Server,
    url: string,
    token: string,
    now: () => number,
    latencyMs: number,
    rateLimits: SlackRateLimits | null,
  ) {
    this.server = server;
    this.rateLimits = rateLimits;
    this.url = url;
    this.#token = token;
    this.now = now;
    this.latencyMs = latencyMs;
  }

  static async start(options: FakeSlackOptions = {}): Promise<FakeSlack> {
    const host = options.host ?? '127.0.0.1';
    // Checked before listening, so bad limits start nothing.
    const rateLimits = options.limits ? new SlackRateLimits(options.limits) : null;
    const server = createServer();
    const port = await listen(server, options.port ?? 0, host);
    const urlHost = host.includes(':') ? `[${host}]` : host;
    const fake = new FakeSlack(
      server,
      `http://${urlHost}:${port}/api/`,
      options.token ?? 'xoxb-test',
      options.now ?? Date.now,
      options.latencyMs ?? 0,
      rateLimits,
    );
    server.on('request', (req, res) => {
      fake.handle(req, res).catch(() => {
        if (!res.headersSent) res.writeHead(500).end();
      });
    });
    return fake;
  }

  /** The bot token accepted now. */
  get token(): string {
    return this.#token;
  }

  /** Slack issues a new bot token: from now on only `token` is accepted (the old one is `invalid_auth`). */
  rotateToken(token: string): void {
    this.#token = token;
  }

  /** The base of this fake's response URLs (SLACK_HOOKS_URL for the code under test). */
  get hooksUrl(): string {
    return this.url.replace(/api\/$/, 'hooks/');
  }

  /** A fresh `response_url` for a simulated interaction, on this fake's hooks path. */
  responseUrl(): string {
    this.responseUrls++;
    return `${this.hooksUrl}actions/T0FAKETEAM/${this.responseUrls}/${randomUUID().replaceAll('-', '')}`;
  }

  /** Every answer posted to a response URL, oldest first. */
  get responses(): readonly FakeSlackResponse[] {
    return this.responseLog;
  }

  /** Sets who is in a user group (`usergroups.users.list`). */
  setUserGroup(groupId: string, users: readonly string[]): void {
    this.userGroups.set(groupId, [...users]);
  }

  /** Every API call received, oldest first. */
  get calls(): readonly FakeSlackCall[] {
    return this.callLog;
  }

  /** Messages (top-level and replies) in the order they were posted; copies. */
  messages(channel?: string): FakeSlackMessage[] {
    return this.store.filter((m) => channel === undefined || m.channel === channel).map(clone);
  }

  /** A thread as `conversations.replies` returns it: the parent first, then its replies oldest first; copies. */
  thread(channel: string, ts: string): FakeSlackMessage[] {
    const parent = this.find(channel, ts);
    if (!parent) return [];
    const root = parent.threadTs ?? parent.ts;
    return this.store
      .filter((m) => m.channel === channel && (m.ts === root || m.threadTs === root))
      .sort((a, b) => tsValue(a.ts) - tsValue(b.ts))
      .map(clone);
  }

  /** Adds a message written by someone else (the bot may not edit it). Returns its ts. */
  seedMessage(channel: string, message: { text: string; threadTs?: string }): string {
    const ts = this.nextTs(channel);
    this.store.push({
      channel,
      ts,
      threadTs: message.threadTs ?? null,
      text: message.text,
      blocks: null,
      attachments: null,
      metadata: null,
      broadcast: false,
      edits: [],
      author: 'user',
    });
    return ts;
  }

  inject(fault: FakeSlackFault): void {
    const remaining = fault.times ?? (fault.kind === 'platform-error' ? Number.POSITIVE_INFINITY : 1);
    this.faults.push({ fault, remaining });
  }

  clearFaults(): void {
    this.faults = [];
  }

  /** Enforces these rate limits from now on, with full buckets; undefined lifts them. */
  setLimits(limits: FakeSlackLimits | undefined): void {
    this.rateLimits = limits ? new SlackRateLimits(limits) : null;
  }

  /** Every call with the bot token now fails with `token_revoked`, until restoreToken(). */
  revokeToken(): void {
    this.revoked = true;
  }

  restoreToken(): void {
    this.revoked = false;
  }

  /** Forgets calls, messages, faults and what the rate limits counted; restores the token; drops hung connections. */
  reset(): void {
    this.callLog.length = 0;
    this.responseLog.length = 0;
    this.userGroups.clear();
    this.store.length = 0;
    this.lastTs.clear();
    this.faults = [];
    this.revoked = false;
    this.rateLimits?.reset();
    this.dropHung();
  }

  async stop(): Promise<void> {
    this.dropHung();
    for (const timer of this.delayed) clearTimeout(timer);
    this.delayed.clear();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  // ─── HTTP ──────────────────────────────────────────────────────────────────────────────────────

  private dropHung(): void {
    for (const res of this.hung) res.destroy();
    this.hung.clear();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://fake').pathname;
    if (path.startsWith('/hooks/')) {
      await this.hook(req, res, path);
      return;
    }
    const match = /^\/api\/([A-Za-z0-9_.]+)$/.exec(path);
    if (!match || (req.method !== 'POST' && req.method !== 'GET')) {
      req.resume();
      this.send(res, this.record(`${req.method ?? '?'} ${path}`, {}, { status: 404, body: 'not found' }));
      return;
    }
    const method = match[1]!;
    const raw = await readBody(req);
    if (raw === null) {
      this.send(res, this.record(method, {}, { status: 413, body: 'payload too large' }));
      return;
    }
    const parsed = parseArgs(req.headers['content-type'] ?? '', raw, new URL(req.url ?? '/', 'http://fake'));
    const bodyToken = typeof parsed.args.token === 'string' ? parsed.args.token : undefined;
    delete parsed.args.token;
    const args = parsed.args;

    const fault = this.takeFault(method, args);
    if (fault?.kind === 'hang') {
      this.record(method, args, { status: 0, body: { ok: false, error: 'hang' } }, fault.kind);
      this.hung.add(res);
      res.on('close', () => this.hung.delete(res));
      return;
    }
    if (fault?.kind === 'rate-limit') {
      const headers: Record<string, string> = {};
      if (fault.retryAfter !== undefined) headers['retry-after'] = String(fault.retryAfter);
      this.send(
        res,
        this.record(
          method,
          args,
          { status: 429, body: { ok: false, error: 'ratelimited' }, headers },
          fault.kind,
        ),
      );
      return;
    }
    if (fault?.kind === 'http-error') {
      const answer = { status: fault.status, body: `<html><body>${fault.status} (fake Slack)</body></html>` };
      this.send(res, this.record(method, args, answer, fault.kind));
      return;
    }
    if (fault?.kind === 'flood') {
      const answer = { status: 200, body: { ok: true } };
      this.record(method, args, answer, fault.kind);
      const call = this.callLog.at(-1);
      const sent = await streamFlood(res, {
        bytes: fault.bytes,
        declareLength: fault.declareLength !== false,
        contentType: 'application/json; charset=utf-8',
        prefix: '{"ok":true,"padding":"',
      });
      if (call !== undefined) call.bytesSent = sent;
      return;
    }
    if (fault?.kind === 'platform-error') {
      this.send(res, this.record(method, args, fail(fault.error), fault.kind));
      return;
    }

    const refusal = parsed.error ? fail(parsed.error) : this.authorize(req, bodyToken);
    const retryAfter = refusal
      ? null
      : (this.rateLimits?.take(method, str(args.channel), this.now()) ?? null);
    if (retryAfter !== null) {
      const limited = {
        status: 429,
        body: { ok: false, error: 'ratelimited' },
        headers: { 'retry-after': String(retryAfter) },
      };
      this.send(res, this.record(method, args, limited, 'rate-limit'));
      return;
    }
    const answer = refusal ?? this.call(method, args);
    if (fault?.kind === 'lose-response') {
      this.record(method, args, answer, fault.kind);
      // The work is done; the client never learns it.
      req.socket.destroy();
      return;
    }
    this.send(res, this.record(method, args, answer));
  }

  /** A response URL: takes JSON, as Slack does, at most five times per URL. */
  private async hook(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const raw = (await readBody(req)) ?? '';
    let body: Record<string, unknown> | null = null;
    try {
      const parsed: unknown = JSON.parse(raw);
      body = isObject(parsed) ? parsed : null;
    } catch {
      body = null;
    }
    const url = `${this.hooksUrl}${path.slice('/hooks/'.length)}`;
    const uses = this.responseLog.filter((r) => r.url === url && r.status === 200).length;
    const status = req.method !== 'POST' || body === null ? 400 : uses >= RESPONSE_URL_USES ? 404 : 200;
    this.responseLog.push({ url, body, status, at: new Date(this.now()).toISOString() });
    res.writeHead(status, { 'content-type': 'text/plain' });
    res.end(status === 200 ? 'ok' : status === 404 ? 'used_url' : 'invalid_payload');
  }

  private send(res: ServerResponse, answer: Answer): void {
    const write = (): void => {
      if (res.writableEnded || res.destroyed) return;
      const isJson = typeof answer.body !== 'string';
      res.writeHead(answer.status, {
        'content-type': isJson ? 'application/json; charset=utf-8' : 'text/html; charset=utf-8',
        ...answer.headers,
      });
      res.end(isJson ? JSON.stringify(answer.body) : answer.body);
    };
    if (this.latencyMs <= 0) {
      write();
      return;
    }
    // The call is already recorded (and its effect applied); only the answer waits, as over a real network.
    const timer = setTimeout(() => {
      this.delayed.delete(timer);
      write();
    }, this.latencyMs);
    this.delayed.add(timer);
  }

  private record(method: string, args: Args, answer: Answer, fault?: FakeSlackFault['kind']): Answer {
    const body = typeof answer.body === 'string' ? null : answer.body;
    const okFlag = answer.status === 200 && body?.ok === true;
    const error =
      body && typeof body.error === 'string' ? body.error : okFlag ? undefined : `http_${answer.status}`;
    this.callLog.push({
      method,
      args: clone(args),
      status: answer.status,
      ok: okFlag,
      ...(error === undefined ? {} : { error }),
      ...(fault === undefined ? {} : { fault }),
      at: new Date(this.now()).toISOString(),
    });
    return answer;
  }

  private takeFault(method: string, args: Args): FakeSlackFault | null {
    // Metadata arrives parsed (see parseArgs).
    const eventKeyOf = (call: Args): string | undefined => {
      const payload = (call.metadata as { event_payload?: { key?: unknown } } | undefined)?.event_payload;
      return typeof payload?.key === 'string' ? payload.key : undefined;
    };
    const channel = str(args.channel);
    for (const entry of this.faults) {
      const f = entry.fault;
      if (entry.remaining <= 0) continue;
      if (f.method !== undefined && f.method !== method) continue;
      if (f.channel !== undefined && f.channel !== channel) continue;
      if (f.eventKey !== undefined && f.eventKey !== eventKeyOf(args)) continue;
      entry.remaining--;
      this.faults = this.faults.filter((e) => e.remaining > 0);
      return f;
    }
    return null;
  }

  private authorize(req: IncomingMessage, bodyToken: string | undefined): Answer | null {
    const header = req.headers.authorization;
    const token = header?.startsWith('Bearer ') ? header.slice('Bearer '.length) : bodyToken;
    if (!token) return fail('not_authed');
    if (token !== this.#token) return fail('invalid_auth');
    if (this.revoked) return fail('token_revoked');
    return null;
  }

  // ─── Methods ───────────────────────────────────────────────────────────────────────────────────

  private call(method: string, args: Args): Answer {
    switch (method) {
      case 'auth.test':
        return ok({
          url: 'https://fake-slack.test/',
          team: 'Fake Slack',
          user: 'notifier',
          team_id: 'T0FAKETEAM',
          user_id: BOT_USER,
          bot_id: BOT_ID,
          is_enterprise_install: false,
        });
      case 'chat.postMessage':
        return this.postMessage(args);
      case 'chat.update':
        return this.update(args);
      case 'chat.getPermalink':
        return this.permalink(args);
      case 'conversations.history':
        return this.history(args);
      case 'conversations.replies':
        return this.replies(args);
      case 'usergroups.users.list': {
        const users = this.userGroups.get(str(args.usergroup) ?? '');
        return users === undefined ? fail('no_such_subteam') : ok({ users: [...users] });
      }
      default:
        return fail('unknown_method');
    }
  }

  private postMessage(args: Args): Answer {
    const channel = str(args.channel);
    if (!channel) return fail('channel_not_found');
    const text = typeof args.text === 'string' ? args.text : '';
    const blocks = Array.isArray(args.blocks) ? args.blocks : null;
    const attachments = Array.isArray(args.attachments) ? args.attachments : null;
    if (text === '' && !blocks?.length && !attachments?.length) return fail('no_text');
    const invalid = validateContent(args);
    if (invalid) return fail(invalid);

    let threadTs: string | null = null;
    const requested = str(args.thread_ts);
    if (requested) {
      const parent = this.find(channel, requested);
      if (!parent) return fail('thread_not_found');
      threadTs = parent.threadTs ?? parent.ts;
    }
    const message: FakeSlackMessage = {
      channel,
      ts: this.nextTs(channel),
      threadTs,
      text,
      blocks,
      attachments,
      metadata: isObject(args.metadata) ? (args.metadata as unknown as FakeSlackMetadata) : null,
      broadcast: threadTs !== null && args.reply_broadcast === true,
      edits: [],
      author: 'bot',
    };
    this.store.push(message);
    return ok({ channel, ts: message.ts, message: this.toApi(message, true) });
  }

  private update(args: Args): Answer {
    const channel = str(args.channel);
    const ts = str(args.ts);
    if (!channel) return fail('channel_not_found');
    if (!ts) return fail('message_not_found');
    const message = this.find(channel, ts);
    if (!message) return fail('message_not_found');
    if (message.author !== 'bot') return fail('cant_update_message');
    const invalid = validateContent(args);
    if (invalid) return fail(invalid);
    if (typeof args.text === 'string') message.text = args.text;
    // As in Slack: omitted blocks/attachments stay, an empty array removes them.
    if (Array.isArray(args.blocks)) message.blocks = args.blocks;
    if (Array.isArray(args.attachments)) message.attachments = args.attachments;
    if (isObject(args.metadata)) message.metadata = args.metadata as unknown as FakeSlackMetadata;
    if (args.reply_broadcast === true && message.threadTs !== null) message.broadcast = true;
    message.edits.push({
      text: message.text,
      blocks: clone(message.blocks),
      attachments: clone(message.attachments),
      at: new Date(this.now()).toISOString(),
    });
    return ok({ channel, ts, text: message.text, message: this.toApi(message, true) });
  }

  private permalink(args: Args): Answer {
    const channel = str(args.channel);
    const ts = str(args.message_ts);
    if (!channel) return fail('channel_not_found');
    if (!ts || !this.find(channel, ts)) return fail('message_not_found');
    return ok({ channel, permalink: FakeSlack.permalinkOf(channel, ts) });
  }

  /** The permalink the fake gives a message, as Slack shapes them. */
  static permalinkOf(channel: string, ts: string): string {
    return `https://fake-slack.test/archives/${channel}/p${ts.replace('.', '')}`;
  }

  private history(args: Args): Answer {
    const channel = str(args.channel);
    if (!channel) return fail('channel_not_found');
    // The channel view: top-level messages and broadcast replies, newest first.
    const all = this.store
      .filter((m) => m.channel === channel && (m.threadTs === null || m.broadcast))
      .sort((a, b) => tsValue(b.ts) - tsValue(a.ts));
    return this.page(all, args);
  }

  private replies(args: Args): Answer {
    const channel = str(args.channel);
    const ts = str(args.ts);
    if (!channel) return fail('channel_not_found');
    if (!ts) return fail('thread_not_found');
    const start = this.find(channel, ts);
    if (!start) return fail('thread_not_found');
    const root = start.threadTs ?? start.ts;
    const all = this.store
      .filter((m) => m.channel === channel && (m.ts === root || m.threadTs === root))
      .sort((a, b) => tsValue(a.ts) - tsValue(b.ts));
    return this.page(all, args);
  }

  /** Time window (`oldest`, `latest`, `inclusive`), then cursor paging with `limit`, as Slack does. */
  private page(all: FakeSlackMessage[], args: Args): Answer {
    const inclusive = args.inclusive === true;
    const oldest = str(args.oldest) !== undefined ? tsValue(String(args.oldest)) : Number.NEGATIVE_INFINITY;
    const latest = str(args.latest) !== undefined ? tsValue(String(args.latest)) : Number.POSITIVE_INFINITY;
    if (Number.isNaN(oldest) || Number.isNaN(latest)) return fail('invalid_ts_oldest');
    const inWindow = all.filter((m) => {
      const t = tsValue(m.ts);
      return inclusive ? t >= oldest && t <= latest : t > oldest && t < latest;
    });
    const limit = Math.min(
      999,
      Math.max(1, typeof args.limit === 'number' && args.limit > 0 ? args.limit : 100),
    );
    let offset = 0;
    const cursor = str(args.cursor);
    if (cursor) {
      const decoded = decodeCursor(cursor);
      if (decoded === null) return fail('invalid_cursor');
      offset = decoded;
    }
    const slice = inWindow.slice(offset, offset + limit);
    const hasMore = offset + limit < inWindow.length;
    const withMetadata = args.include_all_metadata === true;
    return ok({
      messages: slice.map((m) => this.toApi(m, withMetadata)),
      has_more: hasMore,
      pin_count: 0,
      response_metadata: { next_cursor: hasMore ? encodeCursor(offset + limit) : '' },
    });
  }

  /** A message as Slack's API shows it. Metadata only when asked for, as Slack does. */
  private toApi(m: FakeSlackMessage, withMetadata: boolean): Record<string, unknown> {
    const replies =
      m.threadTs === null ? this.store.filter((r) => r.channel === m.channel && r.threadTs === m.ts) : [];
    return {
      type: 'message',
      ...(m.threadTs !== null && m.broadcast ? { subtype: 'thread_broadcast' } : {}),
      ts: m.ts,
      text: m.text,
      ...(m.author === 'bot' ? { user: BOT_USER, bot_id: BOT_ID, app_id: APP_ID } : { user: HUMAN_USER }),
      ...(m.blocks ? { blocks: clone(m.blocks) } : {}),
      ...(m.attachments ? { attachments: clone(m.attachments) } : {}),
      ...(m.threadTs !== null ? { thread_ts: m.threadTs } : {}),
      ...(replies.length > 0
        ? { thread_ts: m.ts, reply_count: replies.length, latest_reply: replies[replies.length - 1]!.ts }
        : {}),
      ...(withMetadata && m.metadata ? { metadata: clone(m.metadata) } : {}),
      ...(m.edits.length > 0 ? { edited: { user: BOT_USER, ts: m.ts } } : {}),
    };
  }

  private find(channel: string, ts: string): FakeSlackMessage | undefined {
    return this.store.find((m) => m.channel === channel && m.ts === ts);
  }

  /** Unique and increasing per channel, even for several posts within one microsecond. */
  private nextTs(channel: string): string {
    const micros = Math.max(Math.floor(this.now() * 1000), (this.lastTs.get(channel) ?? 0) + 1);
    this.lastTs.set(channel, micros);
    return `${Math.floor(micros / 1e6)}.${String(micros % 1e6).padStart(6, '0')}`;
  }
}

// ─── Parsing and validation ──────────────────────────────────────────────────────────────────────

async function readBody(req: IncomingMessage): Promise<string | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > MAX_BODY_BYTES) return null;
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Form bodies (what `@slack/web-api` sends: JSON fields as strings) and JSON bodies, plus query parameters.
 * `error` names the Slack error a malformed field earns.
 */
function parseArgs(contentType: string, raw: string, url: URL): { args: Args; error?: string } {
  const args: Args = Object.fromEntries(url.searchParams);
  if (contentType.includes('application/json')) {
    try {
      const body: unknown = raw === '' ? {} : JSON.parse(raw);
      if (!isObject(body)) return { args, error: 'invalid_json' };
      Object.assign(args, body);
    } catch {
      return { args, error: 'invalid_json' };
    }
  } else if (raw !== '') {
    Object.assign(args, Object.fromEntries(new URLSearchParams(raw)));
  }
  for (const field of JSON_FIELDS) {
    if (typeof args[field] !== 'string') continue;
    try {
      args[field] = JSON.parse(args[field] as string);
    } catch {
      return { args, error: field === 'metadata' ? 'invalid_metadata_format' : `invalid_${field}` };
    }
  }
  for (const field of BOOLEAN_FIELDS) {
    if (typeof args[field] === 'string') args[field] = args[field] === 'true' || args[field] === '1';
  }
  for (const field of NUMBER_FIELDS) {
    if (typeof args[field] === 'string') args[field] = Number(args[field]);
  }
  return { args };
}

const textLength = (v: unknown): number => (isObject(v) && typeof v.text === 'string' ? v.text.length : 0);

/** Slack's published content limits, so an oversized message fails here as it would in Slack. */
function validateContent(args: Args): string | null {
  if (typeof args.text === 'string' && args.text.length > 40_000) return 'msg_too_long';
  if (args.blocks !== undefined && !Array.isArray(args.blocks)) return 'invalid_blocks';
  if (args.attachments !== undefined && !Array.isArray(args.attachments)) return 'invalid_attachments';
  const attachments = (args.attachments as unknown[] | undefined) ?? [];
  if (attachments.length > 100) return 'too_many_attachments';
  if (!attachments.every(isObject)) return 'invalid_attachments';
  const blocks = [
    ...((args.blocks as unknown[] | undefined) ?? []),
    ...attachments.flatMap((a) => (Array.isArray(a.blocks) ? a.blocks : [])),
  ];
  if (blocks.length > 50) return 'invalid_blocks';
  if (JSON.stringify(blocks).length > 13_000) return 'msg_blocks_too_long';
  for (const block of blocks) {
    if (!isObject(block) || typeof block.type !== 'string') return 'invalid_blocks';
    if (block.type === 'header' && textLength(block.text) > 150) return 'invalid_blocks';
    if (block.type === 'section') {
      if (textLength(block.text) > 3000) return 'invalid_blocks';
      const fields = Array.isArray(block.fields) ? block.fields : [];
      if (fields.length > 10 || fields.some((f) => textLength(f) > 2000)) return 'invalid_blocks';
    }
    if (block.type === 'context' && Array.isArray(block.elements) && block.elements.length > 10) {
      return 'invalid_blocks';
    }
    if (block.type === 'actions') {
      const elements = Array.isArray(block.elements) ? block.elements : [];
      if (elements.length === 0 || elements.length > 25) return 'invalid_blocks';
      if (elements.some((e) => !isObject(e) || textLength(e.text) > 75 || typeof e.action_id !== 'string')) {
        return 'invalid_blocks';
      }
    }
  }
  if (args.metadata !== undefined) {
    const m = args.metadata;
    if (!isObject(m) || typeof m.event_type !== 'string' || !isObject(m.event_payload)) {
      return 'invalid_metadata_format';
    }
  }
  return null;
}

const CURSOR_PREFIX = 'fake:';

const encodeCursor = (offset: number): string =>
  Buffer.from(`${CURSOR_PREFIX}${offset}:${randomUUID().slice(0, 8)}`).toString('base64');

function decodeCursor(cursor: string): number | null {
  const text = Buffer.from(cursor, 'base64').toString('utf8');
  const match = /^fake:(\d+):/.exec(text);
  return match ? Number(match[1]) : null;
}
