// adapters/slack → SlackPort over @slack/web-api: posts, edits, and finds our messages again by their metadata.
import type {
  ChatPostMessageArguments,
  ConversationsHistoryResponse,
  ConversationsRepliesResponse,
  KnownBlock,
  MessageAttachment,
  WebClient,
} from '@slack/web-api';
import type { SlackMessageRef } from '../../core/model.js';
import {
  SlackDeliveryError,
  type SlackFoundMessage,
  type SlackMessage,
  type SlackMetadataQuery,
  type SlackPort,
  type SlackPostTarget,
  type SlackUserGroups,
} from '../../ports.js';
import type { SlackWebClients } from './client.js';
import { toSlackDeliveryError } from './errors.js';

export interface SlackAdapterOptions {
  /** Pages searched by findByMetadata before giving up; default 5. */
  maxLookupPages?: number;
  /** Messages per page; default 200. */
  lookupPageSize?: number;
  /**
   * How long a user group's members are remembered; default 60 s. A press right after another, or a double click,
   * then costs no call, and a change of the group reaches the buttons within this time.
   */
  groupCacheMs?: number;
  /** Clock of the cache; default Date.now. */
  now?: () => number;
}

type Payload = SlackFoundMessage['payload'];

interface ApiMessage {
  ts?: string;
  metadata?: { event_type?: string; event_payload?: unknown };
}

/** The scalar entries of a metadata payload (the only kind we write). */
function scalarPayload(raw: unknown): Payload {
  const out: Payload = {};
  if (typeof raw !== 'object' || raw === null) return out;
  for (const [k, v] of Object.entries(raw)) {
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[k] = v;
  }
  return out;
}

export class SlackAdapter implements SlackPort, SlackUserGroups {
  /** Every call but chat.postMessage. */
  private readonly client: WebClient;
  /** chat.postMessage, never retried automatically (see {@link SlackWebClients}). */
  private readonly postClient: WebClient;
  private readonly maxPages: number;
  private readonly pageSize: number;
  private readonly groupCacheMs: number;
  private readonly now: () => number;
  private readonly groups = new Map<string, { at: number; members: readonly string[] }>();

  constructor(clients: SlackWebClients, options: SlackAdapterOptions = {}) {
    this.client = clients.calls;
    this.postClient = clients.posts;
    this.maxPages = Math.max(1, options.maxLookupPages ?? 5);
    this.pageSize = Math.min(999, Math.max(1, options.lookupPageSize ?? 200));
    this.groupCacheMs = Math.max(0, options.groupCacheMs ?? 60_000);
    this.now = options.now ?? Date.now;
  }

  /** `usergroups.users.list` (scope `usergroups:read`), remembered for `groupCacheMs`. */
  async members(groupId: string): Promise<readonly string[]> {
    const cached = this.groups.get(groupId);
    if (cached !== undefined && this.now() - cached.at < this.groupCacheMs) return cached.members;
    const result = await this.call(`usergroups.users.list of ${groupId}`, () =>
      this.client.usergroups.users.list({ usergroup: groupId }),
    );
    const members = (result.users ?? []).filter((user): user is string => typeof user === 'string');
    this.groups.set(groupId, { at: this.now(), members });
    return members;
  }

  async post(target: SlackPostTarget, message: SlackMessage): Promise<SlackMessageRef> {
    const args = {
      channel: target.channel,
      text: message.text,
      ...(message.blocks ? { blocks: message.blocks as KnownBlock[] } : {}),
      ...(message.attachments ? { attachments: message.attachments as MessageAttachment[] } : {}),
      ...(target.threadTs
        ? { thread_ts: target.threadTs, ...(target.broadcast ? { reply_broadcast: true } : {}) }
        : {}),
      ...(target.metadata
        ? { metadata: { event_type: target.metadata.eventType, event_payload: target.metadata.payload } }
        : {}),
      // Our links point at consoles and FAQs; previews would only add noise.
      unfurl_links: false,
      unfurl_media: false,
    } as ChatPostMessageArguments;
    const context = `chat.postMessage to ${target.channel}`;
    const result = await this.call(context, () => this.postClient.chat.postMessage(args));
    if (typeof result.ts !== 'string' || typeof result.channel !== 'string') {
      // Slack took the call but the answer is unusable: treat as an unknown outcome.
      throw new SlackDeliveryError('transient', 'bad_response', `${context}: answer without channel/ts`);
    }
    return { channel: result.channel, ts: result.ts };
  }

  async update(ref: SlackMessageRef, message: SlackMessage): Promise<void> {
    // Blocks and attachments are always sent: omitting them would keep the old ones (Slack keeps what is
    // not given), and an empty array clears them, so the message shows exactly `message`.
    await this.call(`chat.update of ${ref.channel}/${ref.ts}`, () =>
      this.client.chat.update({
        channel: ref.channel,
        ts: ref.ts,
        text: message.text,
        blocks: (message.blocks ?? []) as KnownBlock[],
        attachments: (message.attachments ?? []) as MessageAttachment[],
      }),
    );
  }

  async getPermalink(ref: SlackMessageRef): Promise<string> {
    const result = await this.call(`chat.getPermalink of ${ref.channel}/${ref.ts}`, () =>
      this.client.chat.getPermalink({ channel: ref.channel, message_ts: ref.ts }),
    );
    if (typeof result.permalink !== 'string' || !/^https:\/\//.test(result.permalink)) {
      throw new SlackDeliveryError(
        'transient',
        'bad_response',
        'chat.getPermalink: answer without a permalink',
      );
    }
    return result.permalink;
  }

  /**
   * Searches a thread (conversations.replies) or the channel (conversations.history, newest first) for a
   * message whose metadata matches, reading at most `maxLookupPages` pages. Returns the newest match.
   */
  async findByMetadata(query: SlackMetadataQuery): Promise<SlackFoundMessage | null> {
    const inThread = query.threadTs !== undefined;
    const context = `${inThread ? 'conversations.replies' : 'conversations.history'} of ${query.channel}`;
    let cursor: string | undefined;
    let newest: SlackFoundMessage | null = null;
    for (let page = 0; page < this.maxPages; page++) {
      const common = {
        channel: query.channel,
        include_all_metadata: true,
        limit: this.pageSize,
        ...(query.oldest ? { oldest: query.oldest } : {}),
        ...(cursor ? { cursor } : {}),
      };
      const result: ConversationsHistoryResponse | ConversationsRepliesResponse = await this.call(
        context,
        () =>
          inThread
            ? this.client.conversations.replies({ ...common, ts: query.threadTs as string })
            : this.client.conversations.history(common),
      );
      for (const m of (result.messages ?? []) as ApiMessage[]) {
        const meta = m.metadata;
        if (!m.ts || meta?.event_type !== query.eventType) continue;
        const payload = scalarPayload(meta.event_payload);
        if (payload.key !== query.key) continue;
        const hit = { channel: query.channel, ts: m.ts, payload };
        // History comes newest first: the first hit is the one. Replies come oldest first: keep the last.
        if (!inThread) return hit;
        if (newest === null || Number(hit.ts) > Number(newest.ts)) newest = hit;
      }
      cursor = result.response_metadata?.next_cursor || undefined;
      if (!cursor) break;
    }
    return newest;
  }

  private async call<T>(context: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw toSlackDeliveryError(error, context);
    }
  }
}
