import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { acknowledgements, buildApp } from './notifier-app.js';

const EXISTING = {
  huaweiSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:huawei-AbC123',
  slackSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:slack-AbC123',
  apiKeysSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:keys-AbC123',
  alarmTopicArn: 'arn:aws:sns:eu-west-1:123456789012:ops-alarms',
};

// The first synth in a worker loads most of aws-cdk-lib; allow for a busy machine.
describe('cdk-nag AwsSolutions', { timeout: 120_000 }, () => {
  it.each([
    ['defaults', {}],
    ['an alarm email', { alarmEmail: 'ops@example.com' }],
    ['existing secrets and topic', EXISTING],
  ])('finds nothing unacknowledged with %s', (_label, context) => {
    const { app } = buildApp(context);
    const report = new AwsSolutionsChecks().validateScope(app);
    expect(report.violations.map((v) => `${v.ruleName} ${v.violatingResources[0]?.constructPath}`)).toEqual(
      [],
    );
    expect(report.success).toBe(true);
  });

  it('acknowledges only the expected rules, each on its own construct with a real reason', () => {
    const { app } = buildApp();
    const acks = acknowledgements(app);
    expect(acks.map((a) => `${a.id} ${a.path}`).sort()).toEqual(
      [
        'AwsSolutions-APIG4 CodeArtsNotifier/Registration/HttpApi',
        'AwsSolutions-SMG4 CodeArtsNotifier/Secrets/ApiKeys',
        'AwsSolutions-SMG4 CodeArtsNotifier/Secrets/Huawei',
        'AwsSolutions-SMG4 CodeArtsNotifier/Secrets/Slack',
        'AwsSolutions-SMG4 CodeArtsNotifier/Secrets/SlackSigning',
        'AwsSolutions-SNS2 CodeArtsNotifier/Alarms/Topic',
        'AwsSolutions-SQS3 CodeArtsNotifier/Planning/FailureQueue',
      ].sort(),
    );
    for (const ack of acks) expect(ack.reason.length).toBeGreaterThan(80);
  });

  it('has no IAM4/IAM5 acknowledgement: least privilege is built, not excused', () => {
    const { app } = buildApp();
    expect(acknowledgements(app).filter((a) => /IAM[45]/.test(a.id))).toEqual([]);
  });
});
