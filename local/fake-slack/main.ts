// local → runs the fake Slack on its own: `tsx local/fake-slack/main.ts [port]`, then point SLACK_API_URL at it
// and use its token as SLACK_BOT_TOKEN. Prints each message as it arrives.
import { FakeSlack } from './fake-slack.js';

const port = Number(process.argv[2] ?? 0);
const slack = await FakeSlack.start({ port: Number.isInteger(port) ? port : 0 });
console.log(`fake Slack listening: SLACK_API_URL=${slack.url} SLACK_BOT_TOKEN=${slack.token}`);

let seen = 0;
const timer = setInterval(() => {
  const calls = slack.calls;
  for (; seen < calls.length; seen++) {
    const call = calls[seen]!;
    const text = typeof call.args.text === 'string' ? ` ${call.args.text.split('\n')[0]}` : '';
    console.log(
      `${call.at} ${call.method} ${String(call.args.channel ?? '')} ${call.ok ? 'ok' : call.error}${text}`,
    );
  }
}, 250);

const shutdown = (): void => {
  clearInterval(timer);
  void slack.stop().then(() => process.exit(0));
};
process.once('SIGINT', shutdown);
process.once('SIGTERM', shutdown);
