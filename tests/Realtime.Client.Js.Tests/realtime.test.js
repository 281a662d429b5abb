// Unit tests of the browser client (app/Realtime.Server/wwwroot/realtime.js) on Node's test runner,
// with a scripted WebSocket: backoff, resume bookkeeping, and which closes reconnect.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RealtimeClient, RealtimeError, backoffDelay } from '../../app/Realtime.Server/wwwroot/realtime.js';

/** A WebSocket the test drives: it records what the client sends and delivers what the test says. */
class ScriptedSocket {
  static all = [];
  constructor(url) { this.url = url; this.readyState = 1; this.sent = []; ScriptedSocket.all.push(this); }
  send(text) { this.sent.push(JSON.parse(text)); }
  close(code = 1000, reason = '') { this.closeFromServer(code, reason); }
  receive(frame) { this.onmessage?.({ data: JSON.stringify(frame) }); }
  closeFromServer(code, reason = '') { this.readyState = 3; this.onclose?.({ code, reason }); }
  last(type) { return [...this.sent].reverse().find((f) => f.type === type); }
}

const tick = (ms = 0) => new Promise((resolve) => setTimeout(resolve, ms));

function newClient(options = {}) {
  ScriptedSocket.all = [];
  return new RealtimeClient('ws://server/ws', { WebSocket: ScriptedSocket, minBackoffMs: 20, maxBackoffMs: 200, random: () => 0.5, ...options });
}

async function welcome(socket, node = 'node-a') {
  socket.receive({ type: 'welcome', connection: `c-${ScriptedSocket.all.length}`, node, heartbeat: 25, maxMessageBytes: 65536 });
  await tick();
}

/** Answers the client's pending subscribe with `subscribed`. */
async function answerSubscribe(socket, fields) {
  await tick();
  const request = socket.last('subscribe');
  socket.receive({ type: 'subscribed', ref: request.ref, channel: request.channel, ...fields });
  await tick();
  return request;
}

test('backoff grows exponentially with full jitter and is capped', () => {
  assert.equal(backoffDelay(0, 500, 20000, () => 0.999999), 499);
  assert.equal(backoffDelay(3, 500, 20000, () => 0.5), 2000);
  assert.equal(backoffDelay(10, 500, 20000, () => 0.999999), 19999);
  assert.equal(backoffDelay(5, 500, 20000, () => 0), 0);
  for (let attempt = 0; attempt < 20; attempt++) {
    const delay = backoffDelay(attempt);
    assert.ok(delay >= 0 && delay < 20000);
  }
});

test('a request resolves with the reply that echoes its ref, and an error reply rejects with its code', async () => {
  const client = newClient();
  const connected = client.connect();
  const socket = ScriptedSocket.all[0];
  await welcome(socket);
  await connected;

  const published = client.publish('chat:x', { a: 1 });
  const claim = client.claim('booking:r', 't1');
  const [publish, claimRequest] = [socket.sent.at(-2), socket.sent.at(-1)];
  socket.receive({ type: 'error', ref: claimRequest.ref, code: 'conflict', message: 'taken', owner: 'bob' });
  socket.receive({ type: 'published', ref: publish.ref, channel: 'chat:x', offset: 'e:1-0' });

  assert.equal((await published).offset, 'e:1-0');
  await assert.rejects(claim, (e) => e instanceof RealtimeError && e.code === 'conflict' && e.owner === 'bob');
  client.close();
});

test('a request without a reply times out', async () => {
  const client = newClient({ requestTimeoutMs: 30 });
  const connected = client.connect();
  await welcome(ScriptedSocket.all[0]);
  await connected;
  await assert.rejects(client.publish('chat:x', 1), (e) => e.code === 'timeout');
  client.close();
});

test('after a drop the client reconnects and resumes every subscription from its last offset', async () => {
  const client = newClient();
  const seen = [];
  const states = [];
  client.addEventListener('state', (e) => states.push(e.detail.state));
  const subscribing = client.subscribe('chat:x', (data) => seen.push(data));
  const connected = client.connect();
  const first = ScriptedSocket.all[0];
  await welcome(first);
  const initial = await answerSubscribe(first, { offset: 'e:5-0', recovered: true });
  assert.equal(initial.since, undefined);
  await connected;
  await subscribing;

  first.receive({ type: 'message', channel: 'chat:x', offset: 'e:6-0', data: 'six' });
  first.receive({ type: 'message', channel: 'chat:x', offset: 'e:7-0', data: 'seven' });
  first.closeFromServer(1006);
  assert.equal(client.state, 'reconnecting');

  await tick(30); // backoff: attempt 0 → 0.5 × 20 ms
  const second = ScriptedSocket.all[1];
  assert.ok(second, 'reconnected');
  await welcome(second, 'node-b');
  const resumed = await answerSubscribe(second, { offset: 'e:8-0', recovered: true });
  assert.equal(resumed.since, 'e:7-0');
  second.receive({ type: 'message', channel: 'chat:x', offset: 'e:8-0', data: 'eight' });

  assert.deepEqual(seen, ['six', 'seven', 'eight']);
  assert.equal(client.state, 'open');
  assert.deepEqual(states, ['connecting', 'open', 'reconnecting', 'open']);
  client.close();
});

test('recovered:false is surfaced to the app and the subscription moves to the latest offset', async () => {
  const client = newClient();
  const gaps = [];
  client.addEventListener('gap', (e) => gaps.push(e.detail));
  const onGapCalls = [];
  const subscribing = client.subscribe('feed:x', () => {}, { since: 'old:1-0', onGap: (offset) => onGapCalls.push(offset) });
  const connected = client.connect();
  const socket = ScriptedSocket.all[0];
  await welcome(socket);
  const request = await answerSubscribe(socket, { offset: 'new:9-0', recovered: false });
  const subscription = await subscribing;
  await connected;

  assert.equal(request.since, 'old:1-0');
  assert.deepEqual(onGapCalls, ['new:9-0']);
  assert.deepEqual(gaps, [{ channel: 'feed:x', offset: 'new:9-0' }]);
  assert.equal(subscription.offset, 'new:9-0');
  assert.equal(subscription.recovered, false);
  client.close();
});

test('a reconnect request (1012) reconnects at once, a policy close (1008) does not reconnect', async () => {
  const client = newClient({ minBackoffMs: 10, maxBackoffMs: 10000, random: () => 0.99 });
  const connected = client.connect();
  await welcome(ScriptedSocket.all[0]);
  await connected;

  ScriptedSocket.all[0].receive({ type: 'reconnect' });
  ScriptedSocket.all[0].closeFromServer(1012, 'service restart');
  await tick(15); // within one minimum backoff, whatever the attempt count
  assert.equal(ScriptedSocket.all.length, 2);
  await welcome(ScriptedSocket.all[1]);
  assert.equal(client.state, 'open');

  ScriptedSocket.all[1].closeFromServer(1008, 'token expired');
  await tick(50);
  assert.equal(client.state, 'closed');
  assert.equal(ScriptedSocket.all.length, 2);
});

test('the server ping is answered with pong', async () => {
  const client = newClient();
  const connected = client.connect();
  const socket = ScriptedSocket.all[0];
  await welcome(socket);
  await connected;
  socket.receive({ type: 'ping' });
  assert.deepEqual(socket.sent.at(-1), { type: 'pong' });
  client.close();
});

test('a subscription is an async iterator of messages', async () => {
  const client = newClient();
  const subscribing = client.subscribe('chat:it');
  const connected = client.connect();
  const socket = ScriptedSocket.all[0];
  await welcome(socket);
  await answerSubscribe(socket, { offset: 'e:1-0', recovered: true });
  const subscription = await subscribing;
  await connected;

  socket.receive({ type: 'message', channel: 'chat:it', offset: 'e:2-0', data: 1 });
  socket.receive({ type: 'message', channel: 'chat:it', offset: 'e:3-0', data: 2 });
  const received = [];
  for await (const message of subscription) {
    received.push(message.data);
    if (received.length === 2) break; // leaving the loop unsubscribes
  }
  assert.deepEqual(received, [1, 2]);
  assert.equal(subscription.active, false);
  client.close();
});

test('the token is read on every connect and sent as access_token', async () => {
  let n = 0;
  const client = newClient({ token: () => `token-${++n}` });
  client.connect().catch(() => {}); // rejected by close() below: never opened
  await tick();
  assert.match(ScriptedSocket.all[0].url, /access_token=token-1$/);
  ScriptedSocket.all[0].closeFromServer(1006);
  await tick(30);
  assert.match(ScriptedSocket.all[1].url, /access_token=token-2$/);
  client.close();
});
