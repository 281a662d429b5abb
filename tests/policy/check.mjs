// Policy and schema checks of synthesized cloud assemblies, offline:
//   - cdk-nag's AwsSolutions pack; and its HIPAA Security and NIST 800-53 rev 5 packs on an
//     assembly whose stacks say they are built to them (template metadata
//     RealtimeInfra::Compliance = 'hipaa', the `compliance` setting),
//   - aws-cdk-lib's CloudFormationValidatePlugin (the CloudFormation resource schemas and CDK's
//     default rules) plus our Guard rules (rules/*.guard) for what schemas cannot see,
//   - the Dockerfile through dockerfilelint.
// Findings accepted in the C# code travel as `cdk_nag` metadata (rules_to_suppress: id + reason);
// cdk-nag v3 does not read it, so each one is acknowledged here, and one without a reason fails.
// Usage: node tests/policy/check.mjs cdk.out.dev cdk.out.prod
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { App, BootstraplessSynthesizer, CloudFormationValidatePlugin, Stack, Validations } from 'aws-cdk-lib';
import { CfnInclude } from 'aws-cdk-lib/cloudformation-include';
import { AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks } from 'cdk-nag';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const MIN_REASON = 20; // a sentence, not "ok" or "n/a"
const COMPLIANCE_KEY = 'RealtimeInfra::Compliance';
const PACKS = {
  none: app => [new AwsSolutionsChecks(app)],
  hipaa: app => [new AwsSolutionsChecks(app), new HIPAASecurityChecks(app), new NIST80053R5Checks(app)],
};

const guardRules = readdirSync(join(here, 'rules')).filter(f => f.endsWith('.guard')).sort()
  .map(f => ({ name: f.replace(/\.guard$/, ''), content: readFileSync(join(here, 'rules', f), 'utf8') }));

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

function checkAssembly(assembly) {
  const app = new App({
    outdir: mkdtempSync(join(tmpdir(), 'realtime-policy-')),
    context: { '@aws-cdk/core:validateAgainstDefaultRules': true },
  });
  const problems = [];
  const levels = new Set();
  for (const { name, file } of stacksOf(assembly)) {
    const template = JSON.parse(readFileSync(file, 'utf8'));
    levels.add(template.Metadata?.[COMPLIANCE_KEY] ?? 'none');
    const stack = new Stack(app, name, { synthesizer: new BootstraplessSynthesizer() });
    const include = new CfnInclude(stack, 'Template', { templateFile: file });
    problems.push(...acknowledge(stack, include, template));
  }
  if (levels.size !== 1 || !PACKS[[...levels][0]]) {
    problems.push(`the stacks claim compliance ${[...levels].join(' and ')}; expected one of ${Object.keys(PACKS).join(', ')}, the same in every stack`);
    return { problems, level: [...levels].join('/') };
  }
  const level = [...levels][0];
  Validations.of(app).addPlugins(
    ...PACKS[level](app),
    new CloudFormationValidatePlugin({ guardRules, includeDefaultRules: true }));
  try {
    app.synth();
  } catch (e) {
    problems.push(e.message);
  }
  return { problems, level };
}

function lintDockerfile() {
  const dockerfile = join(root, 'app/Realtime.Server/Dockerfile');
  const problems = [];
  const lint = spawnSync(process.execPath, [join(here, 'node_modules/dockerfilelint/bin/dockerfilelint'), '-o', 'cli', dockerfile], { encoding: 'utf8' });
  if (lint.status !== 0) problems.push(`dockerfilelint ${dockerfile}:\n${lint.stdout}${lint.stderr}`);
  // dockerfilelint cannot read `FROM --platform=…` (its missing_tag rule is off), so pinned tags are checked here.
  readFileSync(dockerfile, 'utf8').split('\n').forEach((line, i) => {
    const from = /^FROM\s+(?:--\S+\s+)*(\S+)/i.exec(line.trim());
    if (from && !/[:@]/.test(from[1].split('/').pop())) problems.push(`${dockerfile}:${i + 1}: base image '${from[1]}' has no tag or digest`);
  });
  return problems;
}

const assemblies = process.argv.slice(2);
if (assemblies.length === 0) {
  console.error('usage: node tests/policy/check.mjs CLOUD_ASSEMBLY_DIR...');
  process.exit(2);
}
let failed = false;
for (const assembly of assemblies) {
  if (!existsSync(join(assembly, 'manifest.json'))) {
    console.error(`${assembly}: not a cloud assembly (no manifest.json); synthesize first`);
    process.exit(2);
  }
  const { problems, level } = checkAssembly(assembly);
  const packs = level === 'hipaa' ? 'AwsSolutions, HIPAA Security, NIST 800-53 R5' : 'AwsSolutions';
  console.log(`== ${assembly} (compliance ${level}: ${packs}): ${problems.length === 0 ? 'no unacknowledged findings' : 'FAILED'}`);
  problems.forEach(p => console.log(p));
  failed ||= problems.length > 0;
}
const lint = lintDockerfile();
console.log(`== Dockerfile: ${lint.length === 0 ? 'lint clean' : 'FAILED'}`);
lint.forEach(p => console.log(p));
failed ||= lint.length > 0;
process.exit(failed ? 1 : 0);
