// adapters/slack → private answers to a button press, posted to the press's `response_url` (Slack's
// "responding to interactions"). Only a URL on Slack's hooks host is ever called: the URL comes from the request
// body, so anything else would let whoever can get a request signed make the notifier call where they like.
//
// Written with fetch rather than @slack/webhook: an answer is one small JSON POST, and that package brings axios.

import type { SlackResponder } from '../../ports.js';
import { DEFAULTS } from '../../shared/defaults.js';
import { isLoopback } from '../../shared/loopback.js';
import { readCappedText } from '../capped-body.js';

export interface SlackResponseUrlOptions {
  /** Where Slack's response URLs live (SLACK_HOOKS_URL); default https://hooks.slack.com/. */
  hooksUrl?: string;
  /** Default 2000 ms: the api must answer Slack within 3 s. */
  timeoutMs?: number;
  fetch?: typeof fetch;
  /** Told why an answer could not be given (never the URL's secret part). */
  onFailure?: (reason: string) => void;
}

/** A response URL is a few hundred characters; a longer one is not Slack's. */
const MAX_URL_LENGTH = 2000;

export class SlackResponseUrl implements SlackResponder {
  readonly #base: URL;
  readonly #timeoutMs: number;
  readonly #fetch: typeof fetch;
  readonly #onFailure: (reason: string) => void;

  constructor(options: SlackResponseUrlOptions = {}) {
    const base = new URL(options.hooksUrl ?? DEFAULTS.slackHooksUrl);
    if (base.protocol !== 'https:' && !(base.protocol === 'http:' && isLoopback(base.hostname))) {
      throw new Error('SlackResponseUrl: the hooks URL must be https (plain http only on this machine)');
    }
    this.#base = base;
    this.#timeoutMs = options.timeoutMs ?? 2000;
    this.#fetch = options.fetch ?? fetch;
    this.#onFailure = options.onFailure ?? (() => {});
  }

  /** The URL is on the hooks host (same scheme, host and port, under its path), or null. */
  accepts(responseUrl: string): URL | null {
    if (responseUrl.length > MAX_URL_LENGTH) return null;
    let url: URL;
    try {
      url = new URL(responseUrl);
    } catch {
      return null;
    }
    const base = this.#base;
    const basePath = base.pathname.endsWith('/') ? base.pathname : `${base.pathname}/`;
    const onHost =
      url.protocol === base.protocol && url.host === base.host && url.username === '' && url.password === '';
    return onHost && url.pathname.startsWith(basePath) && url.pathname.length > basePath.length ? url : null;
  }

  async respond(responseUrl: string, answer: { text: string }, signal?: AbortSignal): Promise<boolean> {
    const url = this.accepts(responseUrl);
    if (url === null) {
      this.#onFailure('the response URL is not on Slack’s hooks host; not called');
      return false;
    }
    const deadline = AbortSignal.timeout(this.#timeoutMs);
    try {
      const response = await this.#fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8' },
        body: JSON.stringify(answer),
        // A redirect would lead off the hooks host.
        redirect: 'manual',
        signal: signal === undefined ? deadline : AbortSignal.any([deadline, signal]),
      });
      const body = await readCappedText(response, 16 * 1024).catch(() => '');
      if (response.ok) return true;
      this.#onFailure(`Slack answered ${response.status} ${body.slice(0, 80)}`);
      return false;
    } catch (error) {
      this.#onFailure(error instanceof Error ? error.name : 'the answer could not be sent');
      return false;
    }
  }
}
