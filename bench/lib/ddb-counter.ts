// bench → counts DynamoDB requests and capacity units with a middleware on the document client, so the
// figures are what the store adapter really sends (pages of a paged query each count), not what it means to.
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

const READS = new Set(['GetItemCommand', 'QueryCommand', 'ScanCommand', 'BatchGetItemCommand']);
const WRITES = new Set([
  'PutItemCommand',
  'UpdateItemCommand',
  'DeleteItemCommand',
  'BatchWriteItemCommand',
  'TransactWriteItemsCommand',
]);

export interface DdbCounts {
  reads: number;
  writes: number;
  /** Requests by SDK command name (QueryCommand counts once per page). */
  byCommand: Record<string, number>;
  /** HTTP attempts, retries included. */
  attempts: number;
  /** Capacity units DynamoDB reports for reads (RRU) and writes (WRU). */
  readUnits: number;
  writeUnits: number;
}

export interface DdbCounter {
  snapshot(): DdbCounts;
  /** Counts since `before`. */
  since(before: DdbCounts): DdbCounts;
}

const empty = (): DdbCounts => ({
  reads: 0,
  writes: 0,
  byCommand: {},
  attempts: 0,
  readUnits: 0,
  writeUnits: 0,
});

export function countDynamoRequests(client: DynamoDBDocumentClient): DdbCounter {
  const totals = empty();
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const command = context.commandName ?? 'unknown';
      const input = args.input as Record<string, unknown>;
      // Asking for consumed capacity changes nothing else about the request, and gives billed units.
      input.ReturnConsumedCapacity = 'TOTAL';
      totals.byCommand[command] = (totals.byCommand[command] ?? 0) + 1;
      if (READS.has(command)) totals.reads++;
      if (WRITES.has(command)) totals.writes++;
      // A refused conditional write is still a request (and is billed), so count before awaiting.
      const result = await next(args);
      const output = result.output as {
        $metadata?: { attempts?: number };
        ConsumedCapacity?: { CapacityUnits?: number };
      };
      totals.attempts += output.$metadata?.attempts ?? 1;
      const units = output.ConsumedCapacity?.CapacityUnits ?? 0;
      if (READS.has(command)) totals.readUnits += units;
      if (WRITES.has(command)) totals.writeUnits += units;
      return result;
    },
    { step: 'initialize', name: 'benchRequestCounter' },
  );
  const snapshot = (): DdbCounts => structuredClone(totals);
  return {
    snapshot,
    since: (before) => {
      const now = snapshot();
      const byCommand: Record<string, number> = {};
      for (const [name, count] of Object.entries(now.byCommand)) {
        const delta = count - (before.byCommand[name] ?? 0);
        if (delta > 0) byCommand[name] = delta;
      }
      return {
        reads: now.reads - before.reads,
        writes: now.writes - before.writes,
        byCommand,
        attempts: now.attempts - before.attempts,
        readUnits: now.readUnits - before.readUnits,
        writeUnits: now.writeUnits - before.writeUnits,
      };
    },
  };
}
