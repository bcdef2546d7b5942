// Composition root of the planner Lambda (scheduled every minute): being wired; see docs/architecture.md.
export const handler = async (): Promise<void> => {
  throw new Error('the planner is not wired yet');
};
