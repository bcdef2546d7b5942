import type { Duration } from 'aws-cdk-lib';
import { PolicyDocument, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
// The metric contract is pure data shared with the functions, which is why lib/ may import it.
import { METRICS_NAMESPACE } from '../../functions/shared/metrics.js';
import { LOCK_FILE, REPO_ROOT } from '../paths.js';

/** Every function is I/O-bound; 256 MB is also what lib/README.md's cost model is computed with. */
export const FUNCTION_MEMORY_MB = 256;

export interface NotifierFunctionProps {
  /** Absolute path of the handler's TypeScript entry file. */
  readonly entry: string;
  readonly description: string;
  /** Powertools service name; Powertools Metrics also uses it as the `service` dimension. */
  readonly serviceName: string;
  readonly timeout: Duration;
  readonly logRetention: RetentionDays;
  /** Function-specific variables, merged over the common ones. Never secret values: ARNs only. */
  readonly environment: Readonly<Record<string, string>>;
  readonly reservedConcurrentExecutions?: number;
}

/**
 * One Lambda function with the project's defaults, so every function is built the same way:
 * nodejs24.x on arm64 (cheapest GB-s), an ESM bundle that leaves the AWS SDK to the runtime, source maps,
 * Powertools configuration, an explicit log group with finite retention, and a role of its own that starts
 * with nothing but writing to that log group (no AWS managed policy; callers grant the rest).
 */
export class NotifierFunction extends Construct {
  readonly fn: NodejsFunction;
  readonly role: Role;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: NotifierFunctionProps) {
    super(scope, id);

    this.logGroup = new LogGroup(this, 'LogGroup', { retention: props.logRetention });

    // The log group exists before the function, so the role never needs logs:CreateLogGroup and the
    // statement names this one group instead of the `*` that AWSLambdaBasicExecutionRole uses.
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `${props.serviceName} function: its own log group, plus the grants made by the stack`,
      inlinePolicies: {
        logs: new PolicyDocument({
          statements: [
            new PolicyStatement({
              actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
              resources: [this.logGroup.logGroupArn],
            }),
          ],
        }),
      },
    });

    this.fn = new NodejsFunction(this, 'Function', {
      entry: props.entry,
      handler: 'handler',
      description: props.description,
      projectRoot: REPO_ROOT,
      depsLockFilePath: LOCK_FILE,
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: FUNCTION_MEMORY_MB,
      timeout: props.timeout,
      role: this.role,
      logGroup: this.logGroup,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: props.serviceName,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        POWERTOOLS_LOG_LEVEL: 'INFO',
        ...props.environment,
      },
      bundling: {
        format: OutputFormat.ESM,
        // ESM-first packages tree-shake better; `main` covers the CommonJS-only ones.
        mainFields: ['module', 'main'],
        minify: true,
        sourceMap: true,
        // Stack traces only need file and line mapping; leaving sources out keeps the asset small.
        sourcesContent: false,
        // The nodejs24.x runtime ships AWS SDK v3, so bundling it would only grow cold starts.
        externalModules: ['@aws-sdk/*'],
        // CommonJS dependencies inside an ESM bundle still call require() for Node built-ins.
        banner:
          "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
      },
    });
  }
}
