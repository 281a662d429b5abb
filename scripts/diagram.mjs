// Architecture diagram (Graphviz DOT) from a synthesized cloud assembly: one box per stack, one node
// per kind of resource that matters to a reader (several of a kind become one node, "× N"), and an
// edge wherever a resource references another, across stacks through their exports too.
// Usage: node scripts/diagram.mjs CLOUD_ASSEMBLY_DIR > docs/architecture.dot
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

// Resource type → node: a name, and an optional detail read from the resource's properties.
const KINDS = {
  'AWS::EC2::VPC': { name: 'VPC', detail: p => p.CidrBlock },
  'AWS::EC2::NatGateway': { name: 'NAT gateway' },
  'AWS::EC2::FlowLog': { name: 'VPC flow logs' },
  'AWS::EC2::VPCEndpoint': {
    key: p => p.VpcEndpointType === 'Interface' ? 'interface' : 'gateway',
    name: p => p.VpcEndpointType === 'Interface' ? 'Interface endpoints' : 'S3 gateway endpoint',
    detail: p => p.VpcEndpointType === 'Interface' ? 'ECR, Logs, Secrets Manager' : undefined,
  },
  'AWS::SecretsManager::Secret': { name: 'Cache AUTH token', detail: () => 'Secrets Manager' },
  // One shard, unless cluster mode (backplane.clusterMode) spreads the keyspace over NumNodeGroups.
  'AWS::ElastiCache::ReplicationGroup': {
    name: 'ElastiCache replication group',
    detail: p => p.NumNodeGroups
      ? `${p.Engine} ${p.EngineVersion}, ${p.NumNodeGroups} shards × ${1 + (p.ReplicasPerNodeGroup ?? 0)} nodes, TLS\\ncluster mode (backplane.shards)`
      : `${p.Engine} ${p.EngineVersion}, ${p.NumCacheClusters} node(s), TLS\\none shard; backplane.clusterMode splits it`,
  },
  'AWS::WAFv2::WebACL': { name: 'WAF web ACL', detail: () => 'common rules, per-IP rate limit' },
  'AWS::CertificateManager::Certificate': { name: 'ACM certificate', detail: p => p.DomainName },
  'AWS::Route53::RecordSet': { name: 'Route 53 alias', detail: p => p.Name },
  'AWS::ElasticLoadBalancingV2::LoadBalancer': { name: 'Application Load Balancer' },
  'AWS::ElasticLoadBalancingV2::Listener': { name: p => `Listener :${p.Port}`, key: p => String(p.Port), detail: p => p.Protocol },
  'AWS::ElasticLoadBalancingV2::TargetGroup': { name: 'Target group', detail: p => `${p.ProtocolVersion}, ${p.HealthCheckPath}` },
  'AWS::S3::Bucket': { name: 'Access-log bucket' },
  'AWS::ECS::Cluster': { name: 'ECS cluster' },
  'AWS::ECS::TaskDefinition': { name: 'Fargate task definition', detail: p => `${p.RuntimePlatform?.CpuArchitecture ?? ''} ${p.Cpu} CPU / ${p.Memory} MiB`.trim() },
  'AWS::ECS::Service': { name: 'ECS service' },
  'AWS::ApplicationAutoScaling::ScalableTarget': { name: 'Autoscaling', detail: p => `${p.MinCapacity}–${p.MaxCapacity} tasks` },
  'AWS::ApplicationAutoScaling::ScalingPolicy': { name: 'Target tracking' },
  'AWS::CloudWatch::Alarm': { name: 'Alarms' },
  'AWS::CloudWatch::Dashboard': { name: 'Dashboard' },
  'AWS::SNS::Topic': { name: 'Alarm topic' },
  'AWS::KMS::Key': { name: 'KMS key' },
};
// The dashboard references nearly everything; its edges would drown the picture.
const QUIET = new Set(['AWS::CloudWatch::Dashboard']);

const dir = process.argv[2];
if (!dir) {
  console.error('usage: node scripts/diagram.mjs CLOUD_ASSEMBLY_DIR');
  process.exit(2);
}
const stacks = readdirSync(dir).filter(f => f.endsWith('.template.json')).sort()
  .map(f => ({ name: f.replace('.template.json', ''), template: JSON.parse(readFileSync(join(dir, f), 'utf8')) }));

const value = (x, p) => (typeof x === 'function' ? x(p) : x);
const nodes = new Map();   // node id → { stack, label, count }
const owner = new Map();   // "stack/logicalId" → node id
const exports = new Map(); // export name → "stack/logicalId"
for (const { name: stack, template } of stacks) {
  for (const [id, resource] of Object.entries(template.Resources ?? {})) {
    const kind = KINDS[resource.Type];
    if (!kind) continue;
    const p = resource.Properties ?? {};
    const node = `${stack}_${resource.Type.replace(/\W+/g, '_')}_${value(kind.key, p) ?? ''}`.replace(/_+$/, '');
    const existing = nodes.get(node);
    if (existing) existing.count++;
    else nodes.set(node, { stack, name: value(kind.name, p), detail: value(kind.detail, p), count: 1, type: resource.Type });
    owner.set(`${stack}/${id}`, node);
  }
  for (const output of Object.values(template.Outputs ?? {})) {
    const target = output.Value?.Ref ?? output.Value?.['Fn::GetAtt']?.[0];
    if (output.Export?.Name && target) exports.set(output.Export.Name, `${stack}/${target}`);
  }
}

// References: Ref, Fn::GetAtt, Fn::ImportValue anywhere below a resource's properties.
function references(stack, x, found) {
  if (Array.isArray(x)) x.forEach(v => references(stack, v, found));
  else if (x && typeof x === 'object') {
    for (const [k, v] of Object.entries(x)) {
      if (k === 'Ref' && typeof v === 'string') found.add(`${stack}/${v}`);
      else if (k === 'Fn::GetAtt') found.add(`${stack}/${Array.isArray(v) ? v[0] : String(v).split('.')[0]}`);
      else if (k === 'Fn::ImportValue' && typeof v === 'string' && exports.has(v)) found.add(exports.get(v));
      else references(stack, v, found);
    }
  }
  return found;
}

const edges = new Set();
for (const { name: stack, template } of stacks) {
  for (const [id, resource] of Object.entries(template.Resources ?? {})) {
    // A WAF association is an edge, not a thing: web ACL → load balancer.
    const from = resource.Type === 'AWS::WAFv2::WebACLAssociation'
      ? owner.get(`${stack}/${resource.Properties.WebACLArn['Fn::GetAtt'][0]}`)
      : owner.get(`${stack}/${id}`);
    if (!from || QUIET.has(nodes.get(from).type)) continue;
    for (const ref of references(stack, resource.Properties ?? {}, new Set())) {
      const to = owner.get(ref);
      if (to && to !== from) edges.add(`${from} -> ${to}`);
    }
  }
}

const quote = s => `"${String(s).replace(/"/g, '\\"')}"`;
const lines = [
  'digraph RealtimeInfra {',
  '  graph [rankdir=LR, fontname="Helvetica", fontsize=12, nodesep=0.3, ranksep=0.6, labeljust=l];',
  '  node [shape=box, style="rounded,filled", fillcolor="#f5f7fa", color="#8a94a6", fontname="Helvetica", fontsize=10];',
  '  edge [color="#8a94a6", arrowsize=0.6];',
];
for (const { name: stack } of stacks) {
  lines.push(`  subgraph ${quote('cluster_' + stack)} {`, `    label=${quote(stack)}; style=rounded; color="#c4cad4";`);
  for (const [id, n] of [...nodes].filter(([, n]) => n.stack === stack).sort(([a], [b]) => a.localeCompare(b))) {
    const title = n.count > 1 ? `${n.name} × ${n.count}` : n.name;
    lines.push(`    ${quote(id)} [label=${quote(n.detail ? `${title}\\n${n.detail}` : title)}];`);
  }
  lines.push('  }');
}
for (const edge of [...edges].sort()) {
  const [from, to] = edge.split(' -> ');
  lines.push(`  ${quote(from)} -> ${quote(to)};`);
}
lines.push('}');
console.log(lines.join('\n'));
