import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, ProjectionType, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { Grant, type IGrantable } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
// The one table definition, shared with the store adapter and the local run. It is pure data, which is why
// lib/ may import it (lib/ imports nothing else from functions/).
import { TABLE_SCHEMA } from '../../functions/adapters/dynamodb/table-schema.js';

/**
 * The item-level actions of the api function: single-item conditional writes (the item is its own outbox),
 * paged queries and batched reads for listings. No Scan, no batched writes, no Transact*, so a bug cannot
 * sweep the table.
 */
export const TABLE_ITEM_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:Query',
] as const;

/**
 * What the planner and the workers do to the items they own: read one, write one conditionally. Nothing else:
 * no Query or BatchGetItem on the table (the planner reads the watch index; a worker reads the one task it
 * polls), no DeleteItem (a task CodeArts no longer knows is marked gone, and only the api removes watches).
 */
export const OWN_ITEM_ACTIONS = ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'] as const;

/**
 * Partition keys (TABLE_SCHEMA.partitionKey, `dynamodb:LeadingKeys`) of the items each function may read and
 * write. The planner: its tick item, the fleet gates (it pauses the change feed on CodeArts throttling) and
 * the change feed's per-project items. A worker: task items and the fleet gates, never the planner's tick.
 */
export const PLANNER_ITEM_KEYS = ['TICK#planner', 'GATE#fleet', 'FEED#*'] as const;
export const WORKER_ITEM_KEYS = ['TASK#*', 'GATE#fleet'] as const;
/**
 * What a worker reads beyond its own items: the run summaries of the task it polls (a Query in the task's own
 * partition, when a digest or quiet-hours summary is due) and who executors are in Slack (`PERSON#*`, read only).
 */
export const WORKER_QUERY_KEYS = ['TASK#*'] as const;
export const WORKER_READ_ONLY_KEYS = ['PERSON#*'] as const;

/** The notifier's single table: task items (with their pending events), the planner's tick, the fleet gates. */
export class NotifierTable extends Construct {
  readonly table: Table;
  /** ARN of the `watch-index` index, the only index anything queries. */
  readonly watchIndexArn: string;

  constructor(scope: Construct, id: string) {
    super(scope, id);

    this.table = new Table(this, 'Table', {
      partitionKey: { name: TABLE_SCHEMA.partitionKey, type: AttributeType.STRING },
      sortKey: { name: TABLE_SCHEMA.sortKey, type: AttributeType.STRING },
      // Traffic is one query per tick plus writes on change: far below what provisioned capacity would pay for.
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      // The aws/dynamodb key: encrypted with a key visible in the account, no key to pay for or to grant.
      encryption: TableEncryption.AWS_MANAGED,
      timeToLiveAttribute: TABLE_SCHEMA.ttlAttribute,
      // Watches and delivery state outlive the stack: deleting the stack must not delete them.
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.table.addGlobalSecondaryIndex({
      indexName: TABLE_SCHEMA.watchIndex.name,
      partitionKey: { name: TABLE_SCHEMA.watchIndex.partitionKey, type: AttributeType.STRING },
      sortKey: { name: TABLE_SCHEMA.watchIndex.sortKey, type: AttributeType.STRING },
      // Only what the planner decides on: a small index, and no index write for most task writes.
      projectionType: ProjectionType.INCLUDE,
      nonKeyAttributes: [...TABLE_SCHEMA.watchIndex.projected],
    });

    this.watchIndexArn = `${this.table.tableArn}/index/${TABLE_SCHEMA.watchIndex.name}`;
  }

  /**
   * Grants exactly TABLE_ITEM_ACTIONS on the table, and Query on the one index. Written out instead of
   * `grantReadWriteData`, which adds Scan, Batch* and ConditionCheckItem on the table and `index/*`.
   */
  grantItemAccess(grantee: IGrantable): void {
    Grant.addToPrincipal({ grantee, actions: [...TABLE_ITEM_ACTIONS], resourceArns: [this.table.tableArn] });
    Grant.addToPrincipal({ grantee, actions: ['dynamodb:Query'], resourceArns: [this.watchIndexArn] });
  }

  /** The planner: Query on the watch index only, and its own items (PLANNER_ITEM_KEYS). */
  grantPlannerAccess(grantee: IGrantable): void {
    Grant.addToPrincipal({ grantee, actions: ['dynamodb:Query'], resourceArns: [this.watchIndexArn] });
    this.grantOwnItems(grantee, PLANNER_ITEM_KEYS);
  }

  /**
   * A worker: task items and the fleet gates (WORKER_ITEM_KEYS), one at a time; Query within a task's partition
   * (its run summaries); GetItem on people.
   */
  grantWorkerAccess(grantee: IGrantable): void {
    this.grantOwnItems(grantee, WORKER_ITEM_KEYS);
    this.grantOnKeys(grantee, ['dynamodb:Query'], WORKER_QUERY_KEYS);
    this.grantOnKeys(grantee, ['dynamodb:GetItem'], WORKER_READ_ONLY_KEYS);
  }

  /**
   * OWN_ITEM_ACTIONS on the items whose partition key matches one of `keys`. GetItem, PutItem and UpdateItem
   * always carry `dynamodb:LeadingKeys` (exactly one value, the item's key), so ForAllValues cannot pass
   * vacuously here.
   */
  private grantOwnItems(grantee: IGrantable, keys: readonly string[]): void {
    this.grantOnKeys(grantee, OWN_ITEM_ACTIONS, keys);
  }

  /** `actions` on the table's items whose partition key matches one of `keys` (Query names exactly one). */
  private grantOnKeys(grantee: IGrantable, actions: readonly string[], keys: readonly string[]): void {
    Grant.addToPrincipal({
      grantee,
      actions: [...actions],
      resourceArns: [this.table.tableArn],
      conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [...keys] } },
    });
  }
}
