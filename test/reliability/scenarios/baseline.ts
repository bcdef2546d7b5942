// Control: no faults. Proves the checker and the fleet agree with the truth before anything breaks.
import { check } from '../support/checker.js';
import { type Figures, Fleet } from '../support/fleet.js';

export async function noFaults(): Promise<Figures> {
  const fleet = await Fleet.start({ seed: 1 });
  try {
    await fleet.play();
    const recovery = await fleet.recover();
    await fleet.settle();
    return fleet.figures('control: no faults', recovery);
  } finally {
    await fleet.stop();
  }
}

/** The checker itself: a copy of a delivered reply must count as a duplicate, a hidden one as lost. */
export async function checkerSelfTest(): Promise<{ clean: Figures; duplicated: Figures; lost: Figures }> {
  const fleet = await Fleet.start({ seed: 2, tasks: 2, runsPerTask: 2 });
  try {
    await fleet.play();
    await fleet.settle();
    const clean = fleet.figures('self-test', 0);
    const { slack } = fleet.rig;
    const reply = slack.messages().find((m) => m.threadTs !== null && m.metadata !== null)!;
    const input = fleet.checkInput();
    const lost = check({
      ...input,
      slack: {
        messages: (channel) =>
          slack.messages(channel).filter((m) => m.ts !== reply.ts || m.channel !== reply.channel),
      },
    });
    await fleet.rig.slackPort.post(
      {
        channel: reply.channel,
        threadTs: reply.threadTs!,
        metadata: {
          eventType: reply.metadata!.event_type,
          payload: reply.metadata!.event_payload as Record<string, string>,
        },
      },
      { text: reply.text },
    );
    return { clean, duplicated: fleet.figures('self-test', 0), lost: { ...clean, ...lost } };
  } finally {
    await fleet.stop();
  }
}
