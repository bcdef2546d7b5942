import { type App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { readSettings } from './config.js';
import { NotifierStack } from './notifier-stack.js';

/**
 * Defines the notifier on an App from its context. bin/app.ts and the infra tests both call this, so the
 * tests check the very stack that is deployed. Throws SettingsError on invalid context.
 */
export function defineNotifierApp(app: App): NotifierStack {
  const settings = readSettings((key) => app.node.tryGetContext(key));

  const stack = new NotifierStack(app, settings.stackName, {
    stackName: settings.stackName,
    description:
      'CodeArts Deploy to Slack notifier: scheduled planner, SQS-fed workers, registration API, DynamoDB, alarms',
    // Only the region is ever pinned, and only when asked: no account, so synth needs no credentials.
    env: settings.region ? { region: settings.region } : undefined,
    settings,
  });

  // cdk-nag v3 runs as a policy-validation plugin: an unacknowledged error-level finding fails `cdk synth`.
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return stack;
}
