import { Duration, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import { HttpApi, HttpMethod, HttpStage, LogGroupLogDestination } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { Grant } from 'aws-cdk-lib/aws-iam';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { SERVICE_NAMES } from '../../functions/shared/metrics.js';
import { ENTRY } from '../paths.js';
import { NotifierFunction } from './function-defaults.js';
import type { PollQueue } from './poll-queue.js';
import { grantGetSecretValue } from './secrets.js';
import type { NotifierTable } from './table.js';

/** Slack wants a slash-command answer within 3 s; 10 s bounds a CodeArts check on POST /tasks. */
export const API_TIMEOUT = Duration.seconds(10);

/** Every route of docs/api.md, all served by the one api function (middy's router dispatches). */
export const API_ROUTES: readonly { readonly method: HttpMethod; readonly path: string }[] = [
  { method: HttpMethod.POST, path: '/tasks' },
  { method: HttpMethod.GET, path: '/tasks' },
  { method: HttpMethod.GET, path: '/tasks/{task_id}' },
  { method: HttpMethod.DELETE, path: '/tasks/{task_id}' },
  { method: HttpMethod.GET, path: '/channels/{channel}' },
  { method: HttpMethod.PUT, path: '/channels/{channel}' },
  { method: HttpMethod.GET, path: '/people' },
  { method: HttpMethod.GET, path: '/people/{codearts_user}' },
  { method: HttpMethod.PUT, path: '/people/{codearts_user}' },
  { method: HttpMethod.DELETE, path: '/people/{codearts_user}' },
  { method: HttpMethod.POST, path: '/slack/commands' },
  { method: HttpMethod.POST, path: '/slack/interactions' },
  { method: HttpMethod.GET, path: '/health' },
];

/**
 * The table actions the api function calls, and no more: reads (GetItem, BatchGetItem for listings), whole-item
 * conditional writes (PutItem), DeleteItem (a task's last unwatch, a person unlinked), Query on the table for a
 * task's run summaries (`/codearts report`) and on the watch index. No UpdateItem: only the planner and workers
 * use it.
 */
export const API_TABLE_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:PutItem',
  'dynamodb:DeleteItem',
  'dynamodb:Query',
] as const;

export interface NotifierApiProps {
  readonly table: NotifierTable;
  /** A button pressed in Slack queues a poll of its task for a worker to act on (sqs:SendMessage only). */
  readonly pollQueue: PollQueue;
  /** Huawei credentials: registration verifies tasks with CodeArts. */
  readonly huaweiSecret: ISecret;
  /** The Slack signing secret (never the bot token: this function does not post). */
  readonly slackSigningSecret: ISecret;
  readonly apiKeysSecret: ISecret;
  /** CODEARTS_* / HUAWEI_IAM_ENDPOINT / SLACK_API_URL variables shared with the poller. */
  readonly serviceEnvironment: Readonly<Record<string, string>>;
  readonly logRetention: RetentionDays;
  /** Stage-wide throttling (HTTP APIs have no per-client usage plans). */
  readonly throttleRateLimit: number;
  readonly throttleBurstLimit: number;
}

/** The registration API: an HTTP API with one explicit, logged and throttled `$default` stage. */
export class NotifierApi extends Construct {
  readonly fn: NodejsFunction;
  readonly httpApi: HttpApi;
  readonly stage: HttpStage;
  readonly accessLogGroup: LogGroup;

  constructor(scope: Construct, id: string, props: NotifierApiProps) {
    super(scope, id);

    const api = new NotifierFunction(this, 'Api', {
      entry: ENTRY.api,
      description: 'CodeArts notifier HTTP API: /tasks registration, the Slack slash command and buttons',
      serviceName: SERVICE_NAMES.api,
      timeout: API_TIMEOUT,
      logRetention: props.logRetention,
      environment: {
        ...props.serviceEnvironment,
        TABLE_NAME: props.table.table.tableName,
        POLL_QUEUE_URL: props.pollQueue.queue.queueUrl,
        HUAWEI_SECRET_ARN: props.huaweiSecret.secretArn,
        SLACK_SIGNING_SECRET_ARN: props.slackSigningSecret.secretArn,
        API_KEYS_SECRET_ARN: props.apiKeysSecret.secretArn,
      },
    });
    this.fn = api.fn;
    Grant.addToPrincipal({
      grantee: this.fn,
      actions: [...API_TABLE_ACTIONS],
      resourceArns: [props.table.table.tableArn],
    });
    Grant.addToPrincipal({
      grantee: this.fn,
      actions: ['dynamodb:Query'],
      resourceArns: [props.table.watchIndexArn],
    });
    grantGetSecretValue(this.fn, props.huaweiSecret, props.slackSigningSecret, props.apiKeysSecret);
    // Never the bot token: a press is answered through its response_url, and a worker acts on it.
    props.pollQueue.grantSend(this.fn);

    // The default stage CDK would create has no access logs (APIG1); this one is explicit.
    this.httpApi = new HttpApi(this, 'HttpApi', {
      description: 'CodeArts notifier registration API',
      createDefaultStage: false,
    });
    Validations.of(this.httpApi).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason:
        'Authorization happens in the api function, which can see the whole request: /tasks routes check a ' +
        'bearer key in constant time against the API keys secret (HTTP APIs have no API keys or usage plans), ' +
        'and /slack/commands and /slack/interactions verify the Slack v0 HMAC signature over the raw body, which a Lambda ' +
        'authorizer never receives. GET /health is public by design and returns no data.',
    });

    const integration = new HttpLambdaIntegration('ApiIntegration', this.fn);
    for (const route of API_ROUTES) {
      this.httpApi.addRoutes({ path: route.path, methods: [route.method], integration });
    }

    this.accessLogGroup = new LogGroup(this, 'AccessLogs', { retention: props.logRetention });
    this.stage = new HttpStage(this, 'DefaultStage', {
      httpApi: this.httpApi,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: props.throttleRateLimit, burstLimit: props.throttleBurstLimit },
      accessLogSettings: {
        destination: new LogGroupLogDestination(this.accessLogGroup),
        // JSON for Logs Insights. No headers and no body: the bearer key and Slack payloads stay out of logs.
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            requestTime: '$context.requestTime',
            sourceIp: '$context.identity.sourceIp',
            routeKey: '$context.routeKey',
            status: '$context.status',
            responseLength: '$context.responseLength',
            latencyMs: '$context.responseLatency',
            integrationLatencyMs: '$context.integrationLatency',
            integrationError: '$context.integrationErrorMessage',
            error: '$context.error.message',
          }),
        ),
      },
    });
  }

  /** The invoke URL of the `$default` stage, ending in `/`. */
  get url(): string {
    return this.stage.url;
  }
}
