// Starts a RealtimeInfra task's drain as soon as ECS decides to stop it (deploy, scale-in): ECS
// deregisters the task and the load balancer cuts its sockets when the deregistration delay ends,
// before SIGTERM, so the node must hear of it now. EventBridge invokes this on the service's
// "ECS Task State Change" events with desiredStatus STOPPED; it POSTs /api/drain on the task's
// private address with the drain token and the task's ARN (a node that is another task answers 409).
// A node drains once however often it is told, so a retry, and the node's own polling, are harmless.
'use strict';

let cachedToken;

async function drainToken() {
  if (process.env.DRAIN_TOKEN) {
    return process.env.DRAIN_TOKEN; // set directly where there is no Secrets Manager (tests)
  }

  if (!cachedToken) {
    // The Node.js runtime ships the AWS SDK v3; loaded only here, so the handler runs without it elsewhere.
    const { SecretsManagerClient, GetSecretValueCommand } = require('@aws-sdk/client-secrets-manager');
    const secret = await new SecretsManagerClient({}).send(new GetSecretValueCommand({ SecretId: process.env.DRAIN_TOKEN_SECRET_ARN }));
    cachedToken = secret.SecretString;
  }

  return cachedToken;
}

// The task's address in the awsvpc network mode: its ENI attachment, else its containers' interfaces.
function privateAddress(detail) {
  for (const attachment of detail.attachments ?? []) {
    for (const entry of attachment.details ?? []) {
      if (entry.name === 'privateIPv4Address' && entry.value) {
        return entry.value;
      }
    }
  }

  return (detail.containers ?? []).flatMap(c => c.networkInterfaces ?? []).map(n => n.privateIpv4Address).find(Boolean);
}

exports.handler = async (event) => {
  const detail = event?.detail ?? {};
  if (detail.desiredStatus !== 'STOPPED') {
    return { skipped: `desiredStatus ${detail.desiredStatus}` };
  }

  const address = privateAddress(detail);
  if (!address) {
    return { skipped: 'the task has no private address (it never started)' };
  }

  const url = `http://${address}:${process.env.DRAIN_PORT}/api/drain`;
  const response = await fetch(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${await drainToken()}`, 'x-ecs-task-arn': detail.taskArn ?? '' },
    signal: AbortSignal.timeout(5000),
  });
  if (response.status === 409) {
    return { skipped: `${address} belongs to another task now` }; // a late event; nothing to retry
  }
  if (response.status !== 202) {
    throw new Error(`${url} answered ${response.status}`); // EventBridge retries the invocation
  }

  return { drained: detail.taskArn, address };
};
