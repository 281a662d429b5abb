// The compliance matrix of an assembly built to compliance: hipaa: every rule of cdk-nag's HIPAA
// Security and NIST 800-53 rev 5 packs that applies to one of its resources, met or accepted (with
// the reasons written in the constructs), as the Markdown table docs/compliance.md holds.
//   node tests/policy/matrix.mjs cdk.out.prod            prints the table
//   node tests/policy/matrix.mjs cdk.out.prod --check F  fails unless F holds exactly that table
// Either way it fails on a stale acceptance: a compliance rule accepted on a resource that meets it.
import { readFileSync } from 'node:fs';
import { Stack } from 'aws-cdk-lib';
import { NagPack, NagRuleCompliance } from 'cdk-nag';
import { COMPLIANCE_PACKS, loadAssembly } from './assembly.mjs';

const BEGIN = '<!-- matrix:begin (tests/policy/matrix.mjs writes this table; .ci/run checks it) -->';
const END = '<!-- matrix:end -->';

const [assembly, flag, docPath] = process.argv.slice(2);
if (!assembly || (flag && (flag !== '--check' || !docPath))) {
  console.error('usage: node tests/policy/matrix.mjs CLOUD_ASSEMBLY_DIR [--check docs/compliance.md]');
  process.exit(2);
}

const { app, stacks, level, problems } = loadAssembly(assembly);
if (level !== 'hipaa') {
  console.error(`${assembly}: its stacks claim compliance '${level}', not 'hipaa'; ${problems.join('; ')}`);
  process.exit(1);
}

// Every evaluation of a rule on a resource, recorded as cdk-nag makes it.
const results = new Map(); // rule (without pack) → { packs: Set, met: Set(resource), accepted: Map(resource → reason) }
const reasonOf = (node, ruleId) => {
  const stack = Stack.of(node);
  const logicalId = stack.resolve(node.logicalId);
  const template = stacks.find(s => s.stack === stack)?.template;
  const entry = template?.Resources?.[logicalId]?.Metadata?.cdk_nag?.rules_to_suppress?.find(r => r.id === ruleId);
  return { where: `${stack.stackName.replace(/^Realtime-[A-Za-z]+-/, '')}/${logicalId}`, reason: entry?.reason };
};
const outcomes = new Map(); // `${ruleId} ${stack}/${logicalId}` → whether it failed there
const applyRule = NagPack.prototype.applyRule;
NagPack.prototype.applyRule = function record(params) {
  const rule = params.ruleSuffixOverride ?? params.rule.name;
  let outcome;
  try {
    outcome = params.rule(params.node);
  } catch {
    outcome = NagRuleCompliance.NON_COMPLIANT;
  }
  const failed = outcome === NagRuleCompliance.NON_COMPLIANT || (Array.isArray(outcome) && outcome.length > 0);
  const { where } = reasonOf(params.node, '');
  outcomes.set(`${this.readPackName}-${rule} ${where}`, failed || outcomes.get(`${this.readPackName}-${rule} ${where}`) === true);
  if (outcome !== NagRuleCompliance.NOT_APPLICABLE) {
    const row = results.get(rule) ?? { packs: new Set(), met: new Set(), accepted: new Map() };
    row.packs.add(this.readPackName);
    if (outcome === NagRuleCompliance.COMPLIANT || (Array.isArray(outcome) && outcome.length === 0)) {
      row.met.add(params.node.node.path);
    } else {
      const { where, reason } = reasonOf(params.node, `${this.readPackName}-${rule}`);
      row.accepted.set(where, reason ?? '(not acknowledged: check.mjs fails on it)');
    }
    results.set(rule, row);
  }
  return applyRule.call(this, params);
};
for (const pack of COMPLIANCE_PACKS(app)) {
  pack.validateScope(app);
}

const cell = text => text.replaceAll('|', '\\|');
const lines = [
  '| rule | packs | resources meeting it | accepted on, and why |',
  '| --- | --- | ---: | --- |',
];
for (const [rule, row] of [...results].sort(([a], [b]) => a.localeCompare(b))) {
  const packs = [...row.packs].sort().map(p => (p === 'HIPAA.Security' ? 'HIPAA' : 'NIST')).join(', ');
  const byReason = new Map();
  for (const [where, reason] of row.accepted) {
    byReason.set(reason, [...(byReason.get(reason) ?? []), where]);
  }
  const accepted = [...byReason].map(([reason, where]) => `${where.sort().map(w => `\`${w}\``).join(', ')}: ${cell(reason)}`).join('<br>');
  lines.push(`| ${rule} | ${packs} | ${row.met.size} | ${accepted || 'met everywhere'} |`);
}
const table = [BEGIN, ...lines, END].join('\n');

// An acceptance of a compliance rule the resource meets is stale: it would hide a later real finding.
const stale = [];
for (const { stack, template } of stacks) {
  for (const [logicalId, resource] of Object.entries(template.Resources ?? {})) {
    for (const { id } of resource.Metadata?.cdk_nag?.rules_to_suppress ?? []) {
      const where = `${stack.stackName.replace(/^Realtime-[A-Za-z]+-/, '')}/${logicalId}`;
      if (/^(HIPAA\.Security|NIST\.800\.53\.R5)-/.test(id) && outcomes.get(`${id} ${where}`) !== true) {
        stale.push(`${where}: accepts ${id}, which it meets (or which does not apply to it); remove the acceptance`);
      }
    }
  }
}
if (stale.length > 0) {
  stale.forEach(s => console.error(s));
  process.exit(1);
}

if (!flag) {
  console.log(table);
  process.exit(0);
}
const doc = readFileSync(docPath, 'utf8');
const start = doc.indexOf(BEGIN);
const end = doc.indexOf(END);
const current = start >= 0 && end > start ? doc.slice(start, end + END.length) : '';
if (current !== table) {
  console.error(`${docPath}: the compliance matrix is not what ${assembly} gives; replace it with the output of node tests/policy/matrix.mjs ${assembly}`);
  process.exit(1);
}
console.log(`== ${docPath}: the compliance matrix matches ${assembly} (${results.size} rules apply)`);
