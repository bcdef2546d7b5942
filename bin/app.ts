import { App } from 'aws-cdk-lib';
import { defineNotifierApp } from '../lib/app.js';
import { SettingsError } from '../lib/config.js';

// CDK app entry (cdk.json "app"). Settings come only from context (cdk.json or `-c key=value`), never from
// AWS lookups, so `cdk synth --no-lookups` works offline and without credentials.
const app = new App();
try {
  defineNotifierApp(app);
} catch (error) {
  if (!(error instanceof SettingsError)) throw error;
  // One readable list of the context keys to fix, instead of a stack trace.
  console.error(error.message);
  process.exit(1);
}
