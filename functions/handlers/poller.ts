// Composition root of the poller Lambda (wired in the poll-cycle work).
export const handler = async (): Promise<void> => {};
