// Secrets Manager rotation of the backplane's ElastiCache AUTH token, without downtime:
//   createSecret  a new random token is stored as AWSPENDING;
//   setSecret     ElastiCache accepts it beside the old one (ModifyReplicationGroup, ROTATE);
//   testSecret    the new token opens a session on the cache (AUTH, PING over TLS);
//   finishSecret  AWSCURRENT moves to it; after GRACE_SECONDS, in which every task re-reads the secret
//                 (Realtime:Redis:PasswordRefreshSeconds), ElastiCache keeps only the new one (SET).
// Every step may be retried by Secrets Manager, so each checks what is already done before acting,
// after any modification in flight has settled: a second ROTATE would drop the old token while tasks
// still use it, and ElastiCache refuses a SET that does not follow a ROTATE.
'use strict';

const net = require('node:net');
const tls = require('node:tls');

// Letters and digits only: ElastiCache restricts a token's punctuation, and 128 of 62 symbols is ~760 bits.
const TOKEN_LENGTH = 128;
const POLL_MS = 15_000;

/** Opens a session with the token; true when the server accepts it (AUTH +OK, then PING +PONG). */
function canAuthenticate({ host, port, token, useTls = true, timeoutMs = 5000 }) {
  return new Promise((resolve, reject) => {
    const socket = useTls
      ? tls.connect({ host, port, servername: host })
      : net.connect({ host, port });
    let answer = '';
    const done = (error, accepted) => {
      clearTimeout(timer);
      socket.destroy();
      if (error) reject(error); else resolve(accepted);
    };
    const timer = setTimeout(() => done(new Error(`no answer from ${host}:${port} in ${timeoutMs} ms`)), timeoutMs);
    socket.once(useTls ? 'secureConnect' : 'connect', () => {
      const auth = `*2\r\n$4\r\nAUTH\r\n$${Buffer.byteLength(token)}\r\n${token}\r\n`;
      socket.write(auth + '*1\r\n$4\r\nPING\r\n');
    });
    socket.on('data', chunk => {
      answer += chunk.toString('utf8');
      const lines = answer.split('\r\n');
      if (lines.length < 2 || (lines[0].startsWith('+') && lines.length < 3)) return;
      if (!lines[0].startsWith('+OK')) return done(null, false); // -WRONGPASS, -ERR invalid password
      done(null, lines[1].startsWith('+PONG'));
    });
    socket.on('error', error => done(error));
  });
}

/** The version ids of the secret by stage: { AWSCURRENT: id, AWSPENDING: id, ... }. */
async function stages(deps, secretId) {
  const secret = await deps.secrets.describe(secretId);
  if (secret.RotationEnabled === false) throw new Error(`rotation is not enabled on ${secretId}`);
  const byStage = {};
  for (const [versionId, versionStages] of Object.entries(secret.VersionIdsToStages ?? {})) {
    for (const stage of versionStages) byStage[stage] = versionId;
  }
  return { byStage, versions: secret.VersionIdsToStages ?? {} };
}

async function waitAvailable(deps, groupId) {
  for (;;) {
    const status = await deps.cache.status(groupId);
    if (status === 'available') return;
    if (deps.remainingMs() < POLL_MS + 30_000) throw new Error(`replication group ${groupId} still '${status}'; the step is retried later`);
    deps.log(`replication group ${groupId} is '${status}'; waiting`);
    await deps.sleep(POLL_MS);
  }
}

const steps = {
  async createSecret(deps, { SecretId, ClientRequestToken }) {
    // Secrets Manager labels the new version AWSPENDING when it starts a rotation; its value is ours to make, once.
    try {
      await deps.secrets.value(SecretId, ClientRequestToken, 'AWSPENDING');
      return;
    } catch (error) {
      if (error.name !== 'ResourceNotFoundException') throw error;
    }
    const token = await deps.secrets.random({ PasswordLength: TOKEN_LENGTH, ExcludePunctuation: true, IncludeSpace: false, RequireEachIncludedType: true });
    await deps.secrets.put({ SecretId, ClientRequestToken, SecretString: token, VersionStages: ['AWSPENDING'] });
    deps.log(`created a pending token, version ${ClientRequestToken}`);
  },

  async setSecret(deps, { SecretId, ClientRequestToken }) {
    const pending = await deps.secrets.value(SecretId, ClientRequestToken, 'AWSPENDING');
    // A ROTATE of an earlier try may still be applying: only a settled group tells whether it took.
    await waitAvailable(deps, deps.groupId);
    if (await deps.auth(pending)) {
      deps.log('the cache already accepts the pending token');
      return;
    }
    await deps.cache.modify({ ReplicationGroupId: deps.groupId, AuthToken: pending, AuthTokenUpdateStrategy: 'ROTATE', ApplyImmediately: true });
    await waitAvailable(deps, deps.groupId);
    deps.log('the cache accepts the old and the pending token (ROTATE)');
  },

  async testSecret(deps, { SecretId, ClientRequestToken }) {
    const pending = await deps.secrets.value(SecretId, ClientRequestToken, 'AWSPENDING');
    if (!(await deps.auth(pending))) throw new Error('the cache refuses the pending token');
  },

  async finishSecret(deps, { SecretId, ClientRequestToken }) {
    const { byStage } = await stages(deps, SecretId);
    if (byStage.AWSCURRENT !== ClientRequestToken) {
      await deps.secrets.stage({ SecretId, VersionStage: 'AWSCURRENT', MoveToVersionId: ClientRequestToken, RemoveFromVersionId: byStage.AWSCURRENT });
      deps.log(`AWSCURRENT is version ${ClientRequestToken}`);
    }
    const current = await deps.secrets.value(SecretId, ClientRequestToken, 'AWSCURRENT');
    const previous = await deps.secrets.value(SecretId, undefined, 'AWSPREVIOUS');
    await waitAvailable(deps, deps.groupId);
    if (previous === current || !(await deps.auth(previous))) {
      deps.log('the cache already refuses the old token (SET done)');
      return;
    }
    // Also on a retry: the tasks get the whole grace to re-read the secret, however long ago it moved.
    deps.log(`waiting ${deps.graceSeconds} s for the tasks to read the new token`);
    await deps.sleep(deps.graceSeconds * 1000);
    await waitAvailable(deps, deps.groupId);
    await deps.cache.modify({ ReplicationGroupId: deps.groupId, AuthToken: current, AuthTokenUpdateStrategy: 'SET', ApplyImmediately: true });
    await waitAvailable(deps, deps.groupId);
    deps.log('the cache accepts only the new token (SET)');
  },
};

/** Runs one step of a rotation with the given clients (the handler's real ones, or a test's). */
async function rotate(event, deps) {
  const step = steps[event.Step];
  if (!step) throw new Error(`unknown rotation step '${event.Step}'`);
  const { versions } = await stages(deps, event.SecretId);
  const stagesOfToken = versions[event.ClientRequestToken];
  if (!stagesOfToken) throw new Error(`version ${event.ClientRequestToken} is not a version of the secret`);
  if (stagesOfToken.includes('AWSCURRENT') && !stagesOfToken.includes('AWSPENDING') && event.Step !== 'finishSecret') {
    deps.log(`version ${event.ClientRequestToken} is already AWSCURRENT`);
    return;
  }
  await step(deps, event);
}

function awsDeps(context) {
  // The runtime ships the AWS SDK v3; loaded here only, so tests run the steps without it.
  const sm = require('@aws-sdk/client-secrets-manager');
  const ec = require('@aws-sdk/client-elasticache');
  const secrets = new sm.SecretsManagerClient({});
  const cache = new ec.ElastiCacheClient({});
  const env = process.env;
  return {
    groupId: env.REPLICATION_GROUP_ID,
    graceSeconds: Number(env.GRACE_SECONDS),
    remainingMs: () => context.getRemainingTimeInMillis(),
    sleep: ms => new Promise(resolve => setTimeout(resolve, ms)),
    log: message => console.log(message),
    auth: token => canAuthenticate({ host: env.REDIS_HOST, port: Number(env.REDIS_PORT), token }),
    secrets: {
      describe: id => secrets.send(new sm.DescribeSecretCommand({ SecretId: id })),
      value: async (id, versionId, stage) => (await secrets.send(new sm.GetSecretValueCommand({ SecretId: id, VersionId: versionId, VersionStage: stage }))).SecretString,
      random: async options => (await secrets.send(new sm.GetRandomPasswordCommand(options))).RandomPassword,
      put: input => secrets.send(new sm.PutSecretValueCommand(input)),
      stage: input => secrets.send(new sm.UpdateSecretVersionStageCommand(input)),
    },
    cache: {
      status: async id => (await cache.send(new ec.DescribeReplicationGroupsCommand({ ReplicationGroupId: id }))).ReplicationGroups[0].Status,
      modify: input => cache.send(new ec.ModifyReplicationGroupCommand(input)),
    },
  };
}

exports.handler = (event, context) => rotate(event, awsDeps(context));
exports.rotate = rotate;
exports.canAuthenticate = canAuthenticate;
