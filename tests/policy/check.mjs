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
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CloudFormationValidatePlugin, Validations } from 'aws-cdk-lib';
import { loadAssembly, PACKS } from './assembly.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const guardRules = readdirSync(join(here, 'rules')).filter(f => f.endsWith('.guard')).sort()
  .map(f => ({ name: f.replace(/\.guard$/, ''), content: readFileSync(join(here, 'rules', f), 'utf8') }));

function checkAssembly(assembly) {
  const { app, level, claimed, problems } = loadAssembly(assembly, { '@aws-cdk/core:validateAgainstDefaultRules': true });
  if (!level) {
    return { problems, level: claimed };
  }
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
