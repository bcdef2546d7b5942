import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { TABLE_SCHEMA } from '../../functions/adapters/dynamodb/table-schema.js';
import { actionsOfRole, type BuiltApp, buildApp, logicalId, resourcesFor } from './notifier-app.js';

const ITEM_ACTIONS = [
  'dynamodb:BatchGetItem',
  'dynamodb:DeleteItem',
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:Query',
  'dynamodb:UpdateItem',
];
/** The api function reads and writes whole items; it never updates one in place. */
const API_ITEM_ACTIONS = ITEM_ACTIONS.filter((action) => action !== 'dynamodb:UpdateItem');
const LOG_ACTIONS = ['logs:CreateLogStream', 'logs:PutLogEvents'];

/**
 * Secret values must never reach a Lambda environment (the functions read them from Secrets Manager): these
 * names may not.
 */
const SECRET_VALUE_VARIABLES = [
  'HUAWEI_PASSWORD',
  'HUAWEI_ACCESS_KEY',
  'HUAWEI_SECRET_KEY',
  'HUAWEI_AUTH_TOKEN',
  'SLACK_BOT_TOKEN',
  'SLACK_SIGNING_SECRET',
  'NOTIFIER_API_KEY',
];

let built: BuiltApp;
// The first synth in a worker loads most of aws-cdk-lib; allow for a busy machine.
beforeAll(() => {
  built = buildApp();
}, 120_000);

const env = (fnId: string): Record<string, unknown> =>
  (built.template.toJSON().Resources[fnId].Properties.Environment as { Variables: Record<string, unknown> })
    .Variables;
const plannerId = () => logicalId(built.stack, built.stack.planner.fn);
const workerId = () => logicalId(built.stack, built.stack.worker.fn);
const apiId = () => logicalId(built.stack, built.stack.api.fn);
const functionIds = () => [plannerId(), workerId(), apiId()];
const roleId = (which: 'planner' | 'worker' | 'api') => logicalId(built.stack, built.stack[which].fn.role!);

describe('functions', () => {
  it('all three run nodejs24.x on arm64 with 256 MB, source maps and Powertools settings', () => {
    built.template.resourceCountIs('AWS::Lambda::Function', 3);
    for (const id of functionIds()) {
      expect(built.template.toJSON().Resources[id].Properties).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        MemorySize: 256,
        Handler: 'index.handler',
      });
      expect(env(id)).toMatchObject({
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_METRICS_NAMESPACE: 'CodeArtsNotifier',
        POWERTOOLS_LOG_LEVEL: 'INFO',
      });
    }
    expect(functionIds().map((id) => env(id).POWERTOOLS_SERVICE_NAME)).toEqual(['planner', 'worker', 'api']);
  });

  it('each logs to its own log group with finite retention, through its own role', () => {
    const groups = functionIds().map((id) => {
      const props = built.template.toJSON().Resources[id].Properties;
      const group = built.template.toJSON().Resources[props.LoggingConfig.LogGroup.Ref];
      expect(group.Type).toBe('AWS::Logs::LogGroup');
      expect(group.Properties.RetentionInDays).toBe(30);
      return props.LoggingConfig.LogGroup.Ref as string;
    });
    expect(new Set(groups).size).toBe(3);
    expect(new Set((['planner', 'worker', 'api'] as const).map(roleId)).size).toBe(3);
  });

  it('no role carries an AWS managed policy', () => {
    for (const role of Object.values(built.template.findResources('AWS::IAM::Role'))) {
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    }
  });
});

describe('api', () => {
  it('serves every route of the contract from the api function', () => {
    const routes = Object.values(built.template.findResources('AWS::ApiGatewayV2::Route')).map(
      (r) => r.Properties.RouteKey as string,
    );
    expect(routes.sort()).toEqual(
      [
        'DELETE /tasks/{task_id}',
        'GET /channels/{channel}',
        'PUT /channels/{channel}',
        'GET /health',
        'GET /tasks',
        'GET /tasks/{task_id}',
        'POST /slack/commands',
        'POST /slack/interactions',
        'POST /tasks',
        'GET /people',
        'GET /people/{codearts_user}',
        'PUT /people/{codearts_user}',
        'DELETE /people/{codearts_user}',
      ].sort(),
    );
    built.template.resourceCountIs('AWS::ApiGatewayV2::Integration', 1);
    built.template.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
      IntegrationType: 'AWS_PROXY',
      IntegrationUri: { 'Fn::GetAtt': [apiId(), 'Arn'] },
    });
    expect(built.template.toJSON().Resources[apiId()].Properties.Timeout).toBe(10);
  });

  it('has one explicit $default stage with access logs and throttling', () => {
    built.template.resourceCountIs('AWS::ApiGatewayV2::Stage', 1);
    built.template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 10, ThrottlingBurstLimit: 20 },
      AccessLogSettings: {
        DestinationArn: { 'Fn::GetAtt': [logicalId(built.stack, built.stack.api.accessLogGroup), 'Arn'] },
        Format: Match.stringLikeRegexp('\\$context\\.requestId'),
      },
    });
  });

  it('never logs the Authorization header or a request body', () => {
    const stage = Object.values(built.template.findResources('AWS::ApiGatewayV2::Stage'))[0]!;
    expect(stage.Properties.AccessLogSettings.Format).not.toMatch(/authorization|header|body/i);
  });

  it('receives its settings as environment variables, secrets by ARN only', () => {
    const secrets = built.stack.secrets;
    expect(env(apiId())).toEqual({
      NODE_OPTIONS: '--enable-source-maps',
      POWERTOOLS_SERVICE_NAME: 'api',
      POWERTOOLS_METRICS_NAMESPACE: 'CodeArtsNotifier',
      POWERTOOLS_LOG_LEVEL: 'INFO',
      CODEARTS_REGION: 'cn-north-4',
      CODEARTS_TIME_ZONE: '+08:00',
      TABLE_NAME: { Ref: logicalId(built.stack, built.stack.table.table) },
      POLL_QUEUE_URL: { Ref: logicalId(built.stack, built.stack.pollQueue.queue) },
      HUAWEI_SECRET_ARN: { Ref: logicalId(built.stack, secrets.huawei) },
      SLACK_SIGNING_SECRET_ARN: { Ref: logicalId(built.stack, secrets.slackSigning) },
      API_KEYS_SECRET_ARN: { Ref: logicalId(built.stack, secrets.apiKeys) },
    });
  });

  it('may use exactly the item actions it calls (no UpdateItem), its three secrets (not the bot token), sending to the poll queue and its logs', () => {
    const role = roleId('api');
    expect(actionsOfRole(built.template, role)).toEqual(
      [...API_ITEM_ACTIONS, ...LOG_ACTIONS, 'secretsmanager:GetSecretValue', 'sqs:SendMessage'].sort(),
    );
    // A press queues a poll of its task: on the poll queue only.
    expect(resourcesFor(built.template, role, 'sqs:SendMessage')).toEqual([
      JSON.stringify({ 'Fn::GetAtt': [logicalId(built.stack, built.stack.pollQueue.queue), 'Arn'] }),
    ]);
    const secrets = built.stack.secrets;
    expect(resourcesFor(built.template, role, 'secretsmanager:GetSecretValue')).toEqual(
      [secrets.huawei, secrets.slackSigning, secrets.apiKeys]
        .map((s) => JSON.stringify({ Ref: logicalId(built.stack, s) }))
        .sort(),
    );
    expect(resourcesFor(built.template, role, 'secretsmanager:GetSecretValue')).not.toContain(
      JSON.stringify({ Ref: logicalId(built.stack, secrets.slack) }),
    );
  });
});

describe('DynamoDB access', () => {
  it('api: item actions on the table, Query on the table (run summaries) and on the one index', () => {
    const role = roleId('api');
    const tableArn = { 'Fn::GetAtt': [logicalId(built.stack, built.stack.table.table), 'Arn'] };
    const indexArn = { 'Fn::Join': ['', [tableArn, `/index/${TABLE_SCHEMA.watchIndex.name}`]] };
    for (const action of API_ITEM_ACTIONS.filter((a) => a !== 'dynamodb:Query')) {
      expect(resourcesFor(built.template, role, action)).toEqual([JSON.stringify(tableArn)]);
    }
    // The index for listings, the table for a task's run summaries (`/codearts report`); no other index.
    expect(resourcesFor(built.template, role, 'dynamodb:Query')).toEqual(
      [JSON.stringify(tableArn), JSON.stringify(indexArn)].sort(),
    );
  });

  it('api: no Scan, batched writes, Transact* or wildcard', () => {
    const actions = actionsOfRole(built.template, roleId('api'));
    expect(actions.filter((a) => /Scan|BatchWrite|Transact|\*/.test(a))).toEqual([]);
    const statements = JSON.stringify(actions.flatMap((a) => resourcesFor(built.template, roleId('api'), a)));
    expect(statements).not.toContain('*');
  });
});

describe('table', () => {
  it('follows TABLE_SCHEMA: string keys, the sparse watch index, TTL', () => {
    built.template.resourceCountIs('AWS::DynamoDB::Table', 1);
    built.template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      AttributeDefinitions: Match.arrayWith([
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
        { AttributeName: 'kind', AttributeType: 'S' },
      ]),
      GlobalSecondaryIndexes: [
        {
          IndexName: 'watch-index',
          KeySchema: [
            { AttributeName: 'kind', KeyType: 'HASH' },
            { AttributeName: 'pk', KeyType: 'RANGE' },
          ],
          Projection: {
            ProjectionType: 'INCLUDE',
            NonKeyAttributes: [...TABLE_SCHEMA.watchIndex.projected],
          },
        },
      ],
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
  });

  it('is on-demand, recoverable, encrypted and kept when the stack goes', () => {
    built.template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: Match.objectLike({
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true },
      }),
    });
  });
});

describe('secrets', () => {
  it('creates four JSON secrets whose template holds no value (empty keys plus one generated)', () => {
    const secrets = Object.values(built.template.findResources('AWS::SecretsManager::Secret'));
    expect(secrets).toHaveLength(4);
    const generated = secrets.map((s) => {
      expect(s.Properties.SecretString).toBeUndefined();
      const gen = s.Properties.GenerateSecretString;
      for (const value of Object.values(JSON.parse(gen.SecretStringTemplate))) expect(value).toBe('');
      return gen.GenerateStringKey as string;
    });
    // The bot token and the signing secret in secrets of their own.
    expect(generated.sort()).toEqual([
      'HUAWEI_PASSWORD',
      'NOTIFIER_API_KEY',
      'SLACK_BOT_TOKEN',
      'SLACK_SIGNING_SECRET',
    ]);
  });

  it('no function environment holds a secret value', () => {
    for (const id of functionIds()) {
      const variables = env(id);
      for (const name of SECRET_VALUE_VARIABLES) expect(variables).not.toHaveProperty(name);
      for (const [name, value] of Object.entries(variables)) {
        if (name.endsWith('_SECRET_ARN')) expect(value).toEqual({ Ref: expect.stringMatching(/^Secrets/) });
      }
    }
  });

  it('uses existing secrets by complete ARN, creating none and granting exactly those ARNs', () => {
    const arn = (name: string) => `arn:aws:secretsmanager:eu-west-1:123456789012:secret:${name}-AbC123`;
    const { stack, template } = buildApp({
      huaweiSecretArn: arn('huawei'),
      slackSecretArn: arn('slack'),
      slackSigningSecretArn: arn('signing'),
      apiKeysSecretArn: arn('keys'),
    });
    template.resourceCountIs('AWS::SecretsManager::Secret', 0);
    const apiEnv =
      template.toJSON().Resources[logicalId(stack, stack.api.fn)].Properties.Environment.Variables;
    expect(apiEnv).toMatchObject({
      HUAWEI_SECRET_ARN: arn('huawei'),
      SLACK_SIGNING_SECRET_ARN: arn('signing'),
      API_KEYS_SECRET_ARN: arn('keys'),
    });
    const grantedTo = (fn: typeof stack.api.fn) =>
      resourcesFor(template, logicalId(stack, fn.role!), 'secretsmanager:GetSecretValue');
    expect(grantedTo(stack.api.fn)).toEqual(
      [arn('huawei'), arn('keys'), arn('signing')].map((a) => JSON.stringify(a)).sort(),
    );
    expect(grantedTo(stack.worker.fn)).toEqual([arn('huawei'), arn('slack')].map((a) => JSON.stringify(a)));
    expect(grantedTo(stack.planner.fn)).toEqual([JSON.stringify(arn('huawei'))]);
  });
});

describe('context', () => {
  it('settings from -c (strings) reach the template', () => {
    const { stack, template } = buildApp({
      region: 'eu-west-1',
      schedule: 'rate(2 minutes)',
      activePollSeconds: '5',
      codeartsConcurrency: '4',
      changeFeed: 'off',
      sweepMinutes: '30',
      codeartsRegion: 'ap-southeast-1',
      codeartsEndpoint: 'https://codearts.example.com',
      huaweiIamEndpoint: 'https://iam.example.com',
      codeartsConsoleUrl: 'https://console.example.com/{region}/{task_id}/{record_id}',
      slackApiUrl: 'https://slack.example.com/api/',
      logRetentionDays: '7',
      apiThrottleRateLimit: '5',
      apiThrottleBurstLimit: '9',
    });
    expect(stack.region).toBe('eu-west-1');
    template.hasResourceProperties('AWS::Scheduler::Schedule', { ScheduleExpression: 'rate(2 minutes)' });
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      DefaultRouteSettings: { ThrottlingRateLimit: 5, ThrottlingBurstLimit: 9 },
    });
    const envOf = (fn: typeof stack.api.fn) =>
      template.toJSON().Resources[logicalId(stack, fn)].Properties.Environment.Variables;
    const codearts = {
      CODEARTS_CONCURRENCY: '4',
      CODEARTS_REGION: 'ap-southeast-1',
      CODEARTS_ENDPOINT: 'https://codearts.example.com',
      HUAWEI_IAM_ENDPOINT: 'https://iam.example.com',
    };
    const slack = {
      CODEARTS_CONSOLE_URL: 'https://console.example.com/{region}/{task_id}/{record_id}',
      SLACK_API_URL: 'https://slack.example.com/api/',
    };
    const polling = { POLL_INTERVAL_SECONDS: '120', ACTIVE_POLL_SECONDS: '5', ...codearts };
    expect(envOf(stack.planner.fn)).toMatchObject({ ...polling, CHANGE_FEED: 'off', SWEEP_MINUTES: '30' });
    expect(envOf(stack.worker.fn)).toMatchObject({ ...polling, ...slack });
    // The planner renders nothing for Slack and calls it never.
    for (const name of Object.keys(slack)) expect(envOf(stack.planner.fn)).not.toHaveProperty(name);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      ScalingConfig: { MaximumConcurrency: 2 },
    });
    for (const group of Object.values(template.findResources('AWS::Logs::LogGroup'))) {
      expect(group.Properties.RetentionInDays).toBe(7);
    }
  });

  it('a cron schedule is taken as a tick every minute', () => {
    const { stack, template } = buildApp({ schedule: 'cron(* * * * ? *)' });
    template.hasResourceProperties('AWS::Scheduler::Schedule', { ScheduleExpression: 'cron(* * * * ? *)' });
    for (const fn of [stack.planner.fn, stack.worker.fn]) {
      expect(
        template.toJSON().Resources[logicalId(stack, fn)].Properties.Environment.Variables
          .POLL_INTERVAL_SECONDS,
      ).toBe('60');
    }
  });

  it('gives the trust settings to the api function only', () => {
    const { stack, template } = buildApp({
      slackTeamIds: 'T0123ABCD,E0456EFGH',
      maxWatchesPerChannel: '20',
      maxUnverifiedPerChannel: '0',
    });
    const variables = (fn: typeof stack.api.fn) =>
      template.toJSON().Resources[logicalId(stack, fn)].Properties.Environment.Variables;
    expect(variables(stack.api.fn)).toMatchObject({
      SLACK_TEAM_ID: 'T0123ABCD,E0456EFGH',
      MAX_WATCHES_PER_CHANNEL: '20',
      MAX_UNVERIFIED_PER_CHANNEL: '0',
    });
    for (const fn of [stack.planner.fn, stack.worker.fn])
      expect(variables(fn)).not.toHaveProperty('SLACK_TEAM_ID');
  });

  it('without region the stack is environment-agnostic', () => {
    expect(built.stack.resolve(built.stack.region)).toEqual({ Ref: 'AWS::Region' });
    expect(built.stack.resolve(built.stack.account)).toEqual({ Ref: 'AWS::AccountId' });
  });

  it('exports the outputs operators need', () => {
    expect(Object.keys(built.template.toJSON().Outputs).sort()).toEqual(
      [
        'AlarmTopicArn',
        'ApiKeysSecretArn',
        'ApiUrl',
        'FailureQueueUrl',
        'HuaweiSecretArn',
        'PollDeadLetterQueueUrl',
        'SlackSecretArn',
        'SlackSigningSecretArn',
        'TableName',
      ].sort(),
    );
  });
});
