// app → what one worker invocation knows about Slack while it delivers many tasks at once: a revoked token stops
// every delivery, and a channel Slack rate-limited is left alone until its Retry-After. Pauses are shared with the
// whole fleet through its gates as soon as they are met, and read back before each delivery, so a channel one
// worker found rate-limited is left alone by the others too.
import { type FleetGates, type Logger, SlackDeliveryError, type SlackPort } from '../../ports.js';

const SLACK_GATE = 'slack:';

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

  pausedUntil(channel: string): number {
    return this.#pausedUntil.get(channel) ?? 0;
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

  /** Leaves `channel` alone until `untilMs`, and tells the fleet (a failure only costs others a 429 of their own). */
  async pause(channel: string, untilMs: number): Promise<void> {
    if (untilMs <= this.pausedUntil(channel)) return;
    this.#pausedUntil.set(channel, untilMs);
    try {
      await this.#gates?.pause(`${SLACK_GATE}${channel}`, untilMs);
    } catch (error) {
      this.#logger?.warn('A fleet gate could not be closed', { channel, error: String(error) });
    }
  }

  breakToken(error: SlackDeliveryError): void {
    this.#tokenBroken ??= error;
  }

  /**
   * `slack` as this invocation may use it: a call to a paused channel (or after the token broke) is refused here,
   * before it leaves, as Slack would refuse it; a 429 pauses the channel at once, for every delivery under way.
   */
  guard(slack: SlackPort, nowMs: () => number): SlackPort {
    const guarded = async <R>(channel: string, call: () => Promise<R>): Promise<R> => {
      if (this.#tokenBroken) throw this.#tokenBroken;
      const waitMs = this.pausedUntil(channel) - nowMs();
      if (waitMs > 0) {
        throw new SlackDeliveryError(
          'rate-limited',
          'ratelimited',
          `Slack asked to wait before calling ${channel} again`,
          {
            retryAfterSeconds: Math.ceil(waitMs / 1000),
          },
        );
      }
      try {
        return await call();
      } catch (error) {
        if (error instanceof SlackDeliveryError && error.kind === 'rate-limited') {
          await this.pause(channel, nowMs() + (error.retryAfterSeconds ?? 1) * 1000);
        }
        if (error instanceof SlackDeliveryError && error.kind === 'token') this.breakToken(error);
        throw error;
      }
    };
    return {
      post: (target, message) => guarded(target.channel, () => slack.post(target, message)),
      update: (ref, message) => guarded(ref.channel, () => slack.update(ref, message)),
      findByMetadata: (query) => guarded(query.channel, () => slack.findByMetadata(query)),
      getPermalink: (ref) => guarded(ref.channel, () => slack.getPermalink(ref)),
    };
  }

  #absorb(gates: ReadonlyMap<string, number>): void {
    for (const [name, until] of gates) {
      if (!name.startsWith(SLACK_GATE)) continue;
      const channel = name.slice(SLACK_GATE.length);
      if (until > this.pausedUntil(channel)) this.#pausedUntil.set(channel, until);
    }
  }
}
