// app → what one worker invocation knows about Slack while it delivers many tasks at once: a revoked token stops
// every delivery, and a rate limit Slack answered with 429 is honoured until its Retry-After. Slack limits per
// method: posting per channel (about one message a second), editing (`chat.update`, Tier 3) and history lookups
// (Tier 3) per workspace, so a pause is kept per limit, not per channel: an edit refused for the workspace must
// not stop the replies a channel can still take. Pauses are shared with the whole fleet through its gates as soon
// as they are met, and read back before each delivery, so a limit one worker met is honoured by the others too.
import { type FleetGates, type Logger, SlackDeliveryError, type SlackPort } from '../../ports.js';

const SLACK_GATE = 'slack:';

/** A Slack limit: posting in one channel, or editing / looking up across the workspace. */
export type SlackLimit = `post:${string}` | 'update' | 'lookup' | 'permalink';

const postLimit = (channel: string): SlackLimit => `post:${channel}`;

export class SlackConditions {
  readonly #pausedUntil = new Map<string, number>();
  #tokenBroken: SlackDeliveryError | null = null;
  readonly #gates: FleetGates | null;
  readonly #logger: Logger | null;

  constructor(
    fleet: { gates: FleetGates; logger: Logger } | null = null,
    known: ReadonlyMap<string, number> = new Map(),
  ) {
    this.#gates = fleet?.gates ?? null;
    this.#logger = fleet?.logger ?? null;
    this.#absorb(known);
  }

  get tokenBroken(): SlackDeliveryError | null {
    return this.#tokenBroken;
  }

  pausedUntil(limit: SlackLimit): number {
    return this.#pausedUntil.get(limit) ?? 0;
  }

  /**
   * When a delivery to `channel` can go ahead: its channel takes posts again and, for a living message (thread
   * mode), the workspace takes edits again.
   */
  deliveryPausedUntil(channel: string, mode: 'thread' | 'messages'): number {
    const post = this.pausedUntil(postLimit(channel));
    return mode === 'thread' ? Math.max(post, this.pausedUntil('update')) : post;
  }

  /** Reads the fleet's pauses again (before a delivery); unreadable gates leave what is known as it is. */
  async refresh(): Promise<void> {
    if (!this.#gates) return;
    try {
      this.#absorb(await this.#gates.read());
    } catch (error) {
      this.#logger?.warn('The fleet gates could not be read; delivering with what this worker knows', {
        error: String(error),
      });
    }
  }

  /** Honours `limit` until `untilMs`, and tells the fleet (a failure only costs others a 429 of their own). */
  async pause(limit: SlackLimit, untilMs: number): Promise<void> {
    if (untilMs <= this.pausedUntil(limit)) return;
    this.#pausedUntil.set(limit, untilMs);
    try {
      await this.#gates?.pause(`${SLACK_GATE}${limit}`, untilMs);
    } catch (error) {
      this.#logger?.warn('A fleet gate could not be closed', { limit, error: String(error) });
    }
  }

  breakToken(error: SlackDeliveryError): void {
    this.#tokenBroken ??= error;
  }

  /**
   * `slack` as this invocation may use it: a call under a limit still paused (or after the token broke) is refused
   * here, before it leaves, as Slack would refuse it; a 429 pauses that limit at once, for every delivery under way.
   */
  guard(slack: SlackPort, nowMs: () => number): SlackPort {
    const guarded = async <R>(limit: SlackLimit, call: () => Promise<R>): Promise<R> => {
      if (this.#tokenBroken) throw this.#tokenBroken;
      const waitMs = this.pausedUntil(limit) - nowMs();
      if (waitMs > 0) {
        throw new SlackDeliveryError(
          'rate-limited',
          'ratelimited',
          `Slack asked to wait before ${limit} again`,
          {
            retryAfterSeconds: Math.ceil(waitMs / 1000),
          },
        );
      }
      try {
        return await call();
      } catch (error) {
        if (error instanceof SlackDeliveryError && error.kind === 'rate-limited') {
          await this.pause(limit, nowMs() + (error.retryAfterSeconds ?? 1) * 1000);
        }
        if (error instanceof SlackDeliveryError && error.kind === 'token') this.breakToken(error);
        throw error;
      }
    };
    return {
      post: (target, message) => guarded(postLimit(target.channel), () => slack.post(target, message)),
      update: (ref, message) => guarded('update', () => slack.update(ref, message)),
      findByMetadata: (query) => guarded('lookup', () => slack.findByMetadata(query)),
      // chat.getPermalink is Tier 4, per workspace: a limit of its own.
      getPermalink: (ref) => guarded('permalink', () => slack.getPermalink(ref)),
    };
  }

  #absorb(gates: ReadonlyMap<string, number>): void {
    for (const [name, until] of gates) {
      if (!name.startsWith(SLACK_GATE)) continue;
      const limit = name.slice(SLACK_GATE.length);
      if (until > (this.#pausedUntil.get(limit) ?? 0)) this.#pausedUntil.set(limit, until);
    }
  }
}
