// adapter → the fleet-wide gates in one small item (`GATE#fleet`): one attribute per gate, holding the epoch ms
// until which it is closed. Workers read it once per invocation and close a gate with a conditional UpdateItem
// that never shortens a longer pause.
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { FleetGates, GateName } from '../../ports.js';
import { isConditionFailure } from './conditions.js';
import { TABLE_SCHEMA } from './table-schema.js';

const key = { [TABLE_SCHEMA.partitionKey]: 'GATE#fleet', [TABLE_SCHEMA.sortKey]: 'GATE' };
const PREFIX = 'gate:';

export class DynamoFleetGates implements FleetGates {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async read(): Promise<ReadonlyMap<GateName, number>> {
    // Eventually consistent: a pause seen a moment late only costs one more 429.
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: key }));
    const gates = new Map<GateName, number>();
    for (const [name, value] of Object.entries(Item ?? {})) {
      if (name.startsWith(PREFIX) && typeof value === 'number')
        gates.set(name.slice(PREFIX.length) as GateName, value);
    }
    return gates;
  }

  async pause(gate: GateName, untilMs: number): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key,
          UpdateExpression: 'SET #gate = :until',
          ConditionExpression: 'attribute_not_exists(#gate) OR #gate < :until',
          ExpressionAttributeNames: { '#gate': `${PREFIX}${gate}` },
          ExpressionAttributeValues: { ':until': untilMs },
        }),
      );
    } catch (error) {
      // A longer pause is already set: nothing to do.
      if (!isConditionFailure(error)) throw error;
    }
  }
}
