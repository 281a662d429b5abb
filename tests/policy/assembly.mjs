// A synthesized cloud assembly loaded back into a CDK app, for the policy checks (check.mjs) and the
// compliance matrix (matrix.mjs): each stack's template through CfnInclude, every accepted finding
// (`cdk_nag` metadata: id + reason) acknowledged on its resource, and the packs the stacks claim
// (template metadata RealtimeInfra::Compliance, the `compliance` setting).
import { mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { App, BootstraplessSynthesizer, Stack, Validations } from 'aws-cdk-lib';
import { CfnInclude } from 'aws-cdk-lib/cloudformation-include';
import { AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks } from 'cdk-nag';

export const MIN_REASON = 20; // a sentence, not "ok" or "n/a"
export const COMPLIANCE_KEY = 'RealtimeInfra::Compliance';
/** cdk-nag's packs that `compliance: hipaa` adds to AwsSolutions. */
export const COMPLIANCE_PACKS = app => [new HIPAASecurityChecks(app), new NIST80053R5Checks(app)];
export const PACKS = {
  none: app => [new AwsSolutionsChecks(app)],
  hipaa: app => [new AwsSolutionsChecks(app), ...COMPLIANCE_PACKS(app)],
};

function stacksOf(assembly) {
  const manifest = JSON.parse(readFileSync(join(assembly, 'manifest.json'), 'utf8'));
  return Object.entries(manifest.artifacts ?? {})
    .filter(([, a]) => a.type === 'aws:cloudformation:stack')
    .map(([name, a]) => ({ name, file: join(assembly, a.properties.templateFile) }));
}

/** Acknowledges every cdk_nag entry of a template; returns the entries that lack a reason. */
function acknowledge(stack, include, template) {
  const bad = [];
  const entries = (metadata, scope, where) => {
    for (const rule of metadata?.cdk_nag?.rules_to_suppress ?? []) {
      const reason = (rule.reason ?? '').trim();
      if (!rule.id || reason.length < MIN_REASON) {
        bad.push(`${where}: suppression of '${rule.id ?? '(no id)'}' needs a reason of at least ${MIN_REASON} characters (has '${reason}')`);
        continue;
      }
      Validations.of(scope).acknowledge({ id: rule.id, reason });
    }
  };
  entries(template.Metadata, stack, stack.stackName);
  for (const [logicalId, resource] of Object.entries(template.Resources ?? {})) {
    entries(resource.Metadata, include.getResource(logicalId), `${stack.stackName}/${logicalId}`);
  }
  return bad;
}

/**
 * The assembly's stacks in a new app, findings acknowledged. `level` is the compliance every stack
 * claims, or undefined (with a problem) when they disagree or claim an unknown one.
 */
export function loadAssembly(assembly, appContext = {}) {
  const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'realtime-policy-')), context: appContext });
  const problems = [];
  const levels = new Set();
  const stacks = [];
  for (const { name, file } of stacksOf(assembly)) {
    const template = JSON.parse(readFileSync(file, 'utf8'));
    levels.add(template.Metadata?.[COMPLIANCE_KEY] ?? 'none');
    const stack = new Stack(app, name, { synthesizer: new BootstraplessSynthesizer() });
    const include = new CfnInclude(stack, 'Template', { templateFile: file });
    problems.push(...acknowledge(stack, include, template));
    stacks.push({ name, stack, include, template });
  }
  const level = levels.size === 1 && PACKS[[...levels][0]] ? [...levels][0] : undefined;
  if (!level) {
    problems.push(`the stacks claim compliance ${[...levels].join(' and ')}; expected one of ${Object.keys(PACKS).join(', ')}, the same in every stack`);
  }
  return { app, stacks, level, claimed: [...levels].join('/'), problems };
}
