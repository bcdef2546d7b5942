import { Validations } from 'aws-cdk-lib';
import { Grant, type IGrantable } from 'aws-cdk-lib/aws-iam';
import { type ISecret, Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';

export interface NotifierSecretsProps {
  /** Complete ARNs of existing secrets to use instead of creating them. */
  readonly huaweiSecretArn?: string;
  /** The Slack bot token's secret (SLACK_SECRET_ARN). */
  readonly slackSecretArn?: string;
  /** The Slack signing secret's secret (SLACK_SIGNING_SECRET_ARN). */
  readonly slackSigningSecretArn?: string;
  readonly apiKeysSecretArn?: string;
}

interface SecretSpec {
  readonly description: string;
  /** Keys the operator fills in; created empty so the function's config check names what is missing. */
  readonly emptyKeys: readonly string[];
  /** Key given a random value by Secrets Manager at creation, chosen so an unfilled secret fails closed. */
  readonly generatedKey: string;
}

/**
 * The four JSON secrets. Their keys are the environment variable names the functions read (SECRET_VARIABLES
 * in functions/config.ts). Values never enter the template: a created secret holds empty strings and one
 * value that Secrets Manager generates, and the functions receive only ARNs (`*_SECRET_ARN`) and read values
 * at run time. The Slack bot token and the signing secret live apart, so each function can read only the one
 * it uses: the internet-facing api function never holds the token that posts, the poller never the secret
 * that verifies.
 */
export class NotifierSecrets extends Construct {
  readonly huawei: ISecret;
  /** SLACK_BOT_TOKEN. */
  readonly slack: ISecret;
  /** SLACK_SIGNING_SECRET. */
  readonly slackSigning: ISecret;
  readonly apiKeys: ISecret;

  constructor(scope: Construct, id: string, props: NotifierSecretsProps = {}) {
    super(scope, id);

    this.huawei = this.secret('Huawei', props.huaweiSecretArn, {
      description:
        'CodeArts notifier: Huawei Cloud credentials. Fill HUAWEI_DOMAIN_NAME, HUAWEI_USER_NAME, ' +
        'HUAWEI_PASSWORD (HUAWEI_PROJECT_NAME optional), or HUAWEI_ACCESS_KEY and HUAWEI_SECRET_KEY.',
      emptyKeys: ['HUAWEI_DOMAIN_NAME', 'HUAWEI_USER_NAME', 'HUAWEI_PROJECT_NAME'],
      // A random password with an empty domain name can never authenticate.
      generatedKey: 'HUAWEI_PASSWORD',
    });
    this.slack = this.secret('Slack', props.slackSecretArn, {
      description: 'CodeArts notifier: the Slack bot token, read by the poller only. Fill SLACK_BOT_TOKEN.',
      emptyKeys: [],
      // A random value is no xoxb- token: the poller refuses to start, naming SLACK_BOT_TOKEN, until it is filled.
      generatedKey: 'SLACK_BOT_TOKEN',
    });
    this.slackSigning = this.secret('SlackSigning', props.slackSigningSecretArn, {
      description:
        'CodeArts notifier: the Slack signing secret, read by the api function only. Fill SLACK_SIGNING_SECRET.',
      emptyKeys: [],
      // A random signing secret rejects every slash command until the real one is put in.
      generatedKey: 'SLACK_SIGNING_SECRET',
    });
    this.apiKeys = this.secret('ApiKeys', props.apiKeysSecretArn, {
      description:
        'CodeArts notifier: bearer key(s) for the /tasks API, comma-separated in NOTIFIER_API_KEY.',
      emptyKeys: [],
      // A usable random key from the start: read it with get-secret-value, or replace it.
      generatedKey: 'NOTIFIER_API_KEY',
    });
  }

  private secret(id: string, existingArn: string | undefined, spec: SecretSpec): ISecret {
    // A complete ARN (with the random suffix) lets grants name the secret exactly, without a `-??????` wildcard.
    if (existingArn) return Secret.fromSecretCompleteArn(this, id, existingArn);

    const secret = new Secret(this, id, {
      description: spec.description,
      generateSecretString: {
        secretStringTemplate: JSON.stringify(Object.fromEntries(spec.emptyKeys.map((k) => [k, '']))),
        generateStringKey: spec.generatedKey,
        excludePunctuation: true,
        passwordLength: 40,
      },
    });
    Validations.of(secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'Holds third-party credentials (Huawei IAM user or AK/SK, Slack bot token or signing secret, API bearer ' +
        'keys) that only their issuers can rotate; a Secrets Manager rotation Lambda cannot mint new ones. ' +
        'Rotation is a documented manual put-secret-value (lib/README.md).',
    });
    return secret;
  }
}

/** Grants `secretsmanager:GetSecretValue` on exactly these secrets (no DescribeSecret, no wildcards). */
export function grantGetSecretValue(grantee: IGrantable, ...secrets: ISecret[]): void {
  Grant.addToPrincipal({
    grantee,
    actions: ['secretsmanager:GetSecretValue'],
    resourceArns: secrets.map((s) => s.secretArn),
  });
}
