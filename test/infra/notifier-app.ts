import type { CfnResource } from 'aws-cdk-lib';
import { App, type Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { defineNotifierApp } from '../../lib/app.js';
import type { NotifierStack } from '../../lib/notifier-stack.js';

export interface BuiltApp {
  readonly app: App;
  readonly stack: NotifierStack;
  readonly template: Template;
}

/**
 * Builds the app exactly as bin/app.ts does, with extra context. Bundling is skipped unless asked for
 * (`aws:cdk:bundling-stacks: []`), which keeps templates fast and stable; asking for it also runs every
 * synth-time check `cdk synth` runs.
 */
export function buildApp(
  context: Record<string, unknown> = {},
  options: { bundle?: boolean; outdir?: string } = {},
): BuiltApp {
  const app = new App({
    outdir: options.outdir,
    // CDK's built-in CloudFormation schema check loads a WASM engine (~10 s cold). It runs in `cdk synth` and
    // in the one real-bundling test; the template assertions here don't need it.
    builtinCloudFormationValidation: options.bundle === true,
    context: { ...(options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] }), ...context },
  });
  const stack = defineNotifierApp(app);
  return { app, stack, template: Template.fromStack(stack) };
}

export function logicalId(stack: Stack, construct: IConstruct): string {
  return stack.getLogicalId(construct.node.defaultChild as CfnResource);
}

type Statement = { Action: string | string[]; Resource: unknown; Effect: string; Condition?: unknown };
type Json = Record<string, unknown>;

/** Every Allow statement that applies to a role: its inline policies and any AWS::IAM::Policy attached to it. */
export function statementsOfRole(template: Template, roleLogicalId: string): Statement[] {
  const statements: Statement[] = [];
  const role = template.toJSON().Resources[roleLogicalId] as { Properties: Json };
  for (const policy of (role.Properties.Policies as
    | { PolicyDocument: { Statement: Statement[] } }[]
    | undefined) ?? []) {
    statements.push(...policy.PolicyDocument.Statement);
  }
  for (const policy of Object.values(template.findResources('AWS::IAM::Policy'))) {
    const props = policy.Properties as {
      Roles: { Ref: string }[];
      PolicyDocument: { Statement: Statement[] };
    };
    if (props.Roles.some((r) => r.Ref === roleLogicalId)) statements.push(...props.PolicyDocument.Statement);
  }
  return statements;
}

/** Sorted, de-duplicated actions a role is allowed. */
export function actionsOfRole(template: Template, roleLogicalId: string): string[] {
  const actions = statementsOfRole(template, roleLogicalId)
    .filter((s) => s.Effect === 'Allow')
    .flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));
  return [...new Set(actions)].sort();
}

/** Resources (as JSON strings, for comparison) a role may use one action on. */
export function resourcesFor(template: Template, roleLogicalId: string, action: string): string[] {
  return statementsOfRole(template, roleLogicalId)
    .filter((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]).includes(action))
    .flatMap((s) => (Array.isArray(s.Resource) ? s.Resource : [s.Resource]))
    .map((r) => JSON.stringify(r))
    .sort();
}

/** The conditions (as JSON strings) of every statement that allows a role one action; 'none' for an unconditional one. */
export function conditionsFor(template: Template, roleLogicalId: string, action: string): string[] {
  return statementsOfRole(template, roleLogicalId)
    .filter((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]).includes(action))
    .map((s) => (s.Condition === undefined ? 'none' : JSON.stringify(s.Condition)))
    .sort();
}

/** Every `Validations.acknowledge` in the tree, as rule id → reason, with the construct path. */
export function acknowledgements(root: IConstruct): { path: string; id: string; reason: string }[] {
  const found: { path: string; id: string; reason: string }[] = [];
  for (const c of root.node.findAll()) {
    for (const entry of c.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      for (const [id, reason] of Object.entries(entry.data as Record<string, string>)) {
        found.push({ path: c.node.path, id: id.replace(/^annotation::/i, ''), reason });
      }
    }
  }
  return found;
}
