// The AUTH token rotation function (cdk/RealtimeInfra.Cdk/Functions/auth-token-rotation.cjs), run
// step by step as Secrets Manager runs it, against a real redis-server standing in for the cache:
// ElastiCache's ROTATE and SET are applied as Redis ACL's two passwords (ACL SETUSER default >new,
// then resetpass >new). Secrets Manager's version stages are kept in memory here (no AWS runs here).
'use strict';

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { spawn, execFileSync } = require('node:child_process');
const net = require('node:net');
const { mkdtempSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { rotate, canAuthenticate } = require('../../cdk/RealtimeInfra.Cdk/Functions/auth-token-rotation.cjs');

const FIRST = 'first-token-0123456789abcdefABCDEF';
let redis;
let port;

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port: p } = server.address();
      server.close(() => resolve(p));
    });
    server.on('error', reject);
  });
}

/** redis-cli with whichever of the given tokens the server takes. */
function cli(tokens, ...command) {
  for (const token of tokens) {
    const out = execFileSync('redis-cli', ['-p', String(port), '--no-auth-warning', '-a', token, ...command], { encoding: 'utf8' });
    if (!/WRONGPASS|NOAUTH/.test(out)) return out.trim();
  }
  throw new Error(`no token of ${tokens.length} opens a session`);
}

before(async () => {
  port = await freePort();
  redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no',
    '--requirepass', FIRST, '--dir', mkdtempSync(join(tmpdir(), 'rotation-redis-'))], { stdio: 'ignore' });
  for (let i = 0; !(await canAuthenticate({ host: '127.0.0.1', port, token: FIRST, useTls: false }).catch(() => false)); i++) {
    if (i === 100) throw new Error(`redis-server on port ${port} did not start in 5 s`);
    await new Promise(r => setTimeout(r, 50));
  }
});

after(() => redis?.kill('SIGKILL'));

/** Secrets Manager's versions and stages, as the steps see them through their client. */
function secretStore(initial) {
  const versions = { v0: { value: initial, stages: ['AWSCURRENT'] } };
  const calls = { put: 0, stage: 0 };
  return {
    calls,
    versions,
    client: {
      describe: async () => ({ RotationEnabled: true, VersionIdsToStages: Object.fromEntries(Object.entries(versions).map(([id, v]) => [id, [...v.stages]])) }),
      value: async (_id, versionId, stage) => {
        const version = versions[versionId ?? Object.keys(versions).find(id => versions[id].stages.includes(stage))];
        if (!version?.stages.includes(stage) || version.value === undefined) {
          throw Object.assign(new Error(`version ${versionId} has no value at stage ${stage}`), { name: 'ResourceNotFoundException' });
        }
        return version.value;
      },
      /** What Secrets Manager does when a rotation starts: a new version labelled AWSPENDING, no value yet. */
      start: versionId => { versions[versionId] = { value: undefined, stages: ['AWSPENDING'] }; },
      random: async options => {
        assert.equal(options.ExcludePunctuation, true);
        return 'rotated' + Math.random().toString(36).slice(2).padEnd(24, 'x');
      },
      put: async ({ ClientRequestToken, SecretString, VersionStages }) => {
        calls.put++;
        versions[ClientRequestToken] = { value: SecretString, stages: [...VersionStages] };
      },
      stage: async ({ VersionStage, MoveToVersionId, RemoveFromVersionId }) => {
        calls.stage++;
        versions[RemoveFromVersionId].stages = versions[RemoveFromVersionId].stages.filter(s => s !== VersionStage);
        versions[MoveToVersionId].stages.push(VersionStage);
        if (VersionStage === 'AWSCURRENT') { // Secrets Manager labels the version it left AWSPREVIOUS
          for (const version of Object.values(versions)) version.stages = version.stages.filter(s => s !== 'AWSPREVIOUS');
          versions[RemoveFromVersionId].stages.push('AWSPREVIOUS');
        }
      },
    },
  };
}

/**
 * ElastiCache's ModifyReplicationGroup on the real server, as the API behaves: the change is applied
 * while the group is 'modifying' (here: at the next status poll), a second change meanwhile is refused,
 * ROTATE adds a token, and SET (only the new one kept) is allowed only after a ROTATE.
 */
function cache(tokens) {
  const calls = [];
  let inFlight = null;
  let last = null;
  const refuse = message => { throw Object.assign(new Error(message), { name: 'InvalidReplicationGroupStateFault' }); };
  return {
    calls,
    client: {
      status: async () => {
        if (!inFlight) return 'available';
        inFlight();
        inFlight = null;
        return 'modifying';
      },
      modify: async ({ AuthToken, AuthTokenUpdateStrategy, ApplyImmediately }) => {
        assert.equal(ApplyImmediately, true);
        if (inFlight) refuse('the group is modifying');
        if (AuthTokenUpdateStrategy === 'SET' && last !== 'ROTATE') refuse('SET is allowed only after ROTATE');
        calls.push(AuthTokenUpdateStrategy);
        last = AuthTokenUpdateStrategy;
        if (AuthTokenUpdateStrategy === 'ROTATE') inFlight = () => cli(tokens(), 'ACL', 'SETUSER', 'default', '>' + AuthToken);
        else if (AuthTokenUpdateStrategy === 'SET') inFlight = () => cli(tokens(), 'ACL', 'SETUSER', 'default', 'resetpass', '>' + AuthToken);
        else throw new Error(`unexpected strategy ${AuthTokenUpdateStrategy}`);
      },
    },
  };
}

const opens = token => canAuthenticate({ host: '127.0.0.1', port, token, useTls: false });

test('a rotation runs ROTATE, then SET after the grace, with both tokens valid in between', async () => {
  const secrets = secretStore(FIRST);
  let known = [FIRST];
  const elasticache = cache(() => known);
  const slept = [];
  const deps = {
    groupId: 'realtime-prod', graceSeconds: 150, remainingMs: () => 600_000, log: () => {},
    sleep: async ms => { slept.push(ms); }, auth: opens, secrets: secrets.client, cache: elasticache.client,
  };
  const event = step => ({ Step: step, SecretId: 'arn:secret', ClientRequestToken: 'v1' });
  secrets.client.start('v1');

  await rotate(event('createSecret'), deps);
  await rotate(event('createSecret'), deps); // retried: still one pending version
  assert.equal(secrets.calls.put, 1);
  const next = secrets.versions.v1.value;
  known = [FIRST, next];
  assert.equal(await opens(next), false, 'the cache does not know the pending token yet');

  // The first try issued ROTATE and died before the group settled; Secrets Manager retries the step.
  await elasticache.client.modify({ AuthToken: next, AuthTokenUpdateStrategy: 'ROTATE', ApplyImmediately: true });
  await rotate(event('setSecret'), deps);
  await rotate(event('setSecret'), deps); // and once more: the cache already takes it
  assert.deepEqual(elasticache.calls, ['ROTATE'], 'one ROTATE: a second would drop the token the tasks still use');
  assert.equal(await opens(FIRST), true, 'the old token still opens sessions (tasks still use it)');
  assert.equal(await opens(next), true);

  await rotate(event('testSecret'), deps);

  await rotate(event('finishSecret'), deps);
  assert.ok(secrets.versions.v1.stages.includes('AWSCURRENT'));
  assert.deepEqual(secrets.versions.v0.stages, ['AWSPREVIOUS']);
  assert.deepEqual(slept.filter(ms => ms === 150_000), [150_000], 'the tasks get the grace to re-read the secret before SET');
  assert.deepEqual(elasticache.calls, ['ROTATE', 'SET']);
  assert.equal(await opens(FIRST), false, 'the old token is refused after SET');
  assert.equal(await opens(next), true);

  await rotate(event('finishSecret'), deps); // retried after SET: nothing to do (a second SET is refused)
  assert.deepEqual(elasticache.calls, ['ROTATE', 'SET']);
  assert.deepEqual(slept.filter(ms => ms === 150_000), [150_000]);
  assert.equal(await opens(next), true);
});

test('testSecret fails when the cache refuses the pending token', async () => {
  const secrets = secretStore('whatever-current-token-000000');
  secrets.versions.v9 = { value: 'never-applied-token-0000000000', stages: ['AWSPENDING'] };
  const deps = { auth: opens, secrets: secrets.client, log: () => {} };
  await assert.rejects(rotate({ Step: 'testSecret', SecretId: 's', ClientRequestToken: 'v9' }, deps), /refuses the pending token/);
});

test('a step for a version that is not the secret\'s is refused', async () => {
  const secrets = secretStore(FIRST);
  await assert.rejects(rotate({ Step: 'createSecret', SecretId: 's', ClientRequestToken: 'nope' }, { secrets: secrets.client, log: () => {} }), /not a version/);
});

test('canAuthenticate tells a refused token from an accepted one', async () => {
  assert.equal(await opens('wrong-token-wrong-token-wrong'), false);
});
