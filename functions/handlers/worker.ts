// Composition root of the worker Lambda (fed by the poll queue): being wired; see docs/architecture.md.
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';

export const handler = async (_event: SQSEvent): Promise<SQSBatchResponse> => {
  throw new Error('the worker is not wired yet');
};
