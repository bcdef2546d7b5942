// Which hosts may be spoken to over plain http: the configuration checks every endpoint URL with it, and the Slack
// responder checks its hooks URL.

/**
 * Hosts that never leave this machine. The local run and the tests talk plain http to simulators there; anything
 * else carries the bot token, Huawei credentials or IAM tokens, so it must be https.
 */
export const isLoopback = (hostname: string): boolean =>
  hostname === 'localhost' ||
  hostname === '[::1]' ||
  hostname === '::1' ||
  /^127(\.\d{1,3}){3}$/.test(hostname);
