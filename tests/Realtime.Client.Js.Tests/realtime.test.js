// Unit tests of the browser client (app/Realtime.Server/wwwroot/realtime.js) on Node's test runner,
// with a scripted WebSocket: backoff, resume bookkeeping, gaps, which closes reconnect, the
// retries of publishes and claims whose outcome is unknown, RPCs (never retried), and how the token
// travels (auth frame or URL).
import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { RealtimeClient, RealtimeError, backoffDelay } from '../../app/Realtime.Server/wwwroot/realtime.js';

/**
 * A WebSocket the test drives: it records what the client sends and delivers what the test says.
 * Like a browser's, it is CONNECTING (0) until `open()` and refuses `send` before then.
 */
class ScriptedSocket {
  static all = [];
  constructor(url) { this.url = url; this.readyState = 0; this.sent = []; ScriptedSocket.all.push(this); }
  send(text) {
    if (this.readyState !== 1) throw new Error(`send while readyState is ${this.readyState}`);
    this.sent.push(JSON.parse(text));
  }
  open() { this.readyState = 1; this.onopen?.({ type: 'open' }); }
  close(code = 1000, reason = '') { this.closeFromServer(code, reason); }
  receive(frame) { this.onmessage?.({ data: JSON.stringify(frame) }); }
  closeFromServer(code, reason = '') { this.readyState = 3; this.onclose?.({ code, reason }); }
  last(type) { return [...this.sent].reverse().find((f) => f.type === type); }
}

const tick = (ms = 0) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits for the client to open socket number `index` (a reconnect after its backoff), and returns it. */
async function socketNumber(index) {
  for (const deadline = Date.now() + 5000; Date.now() < deadline; await tick(2)) {
    if (ScriptedSocket.all[index]) return ScriptedSocket.all[index];
  }
  assert.fail(`the client never opened socket ${index}`);
}

/** Every client a test made; closed after each test, so one that failed cannot reconnect into the next. */
const clients = [];
afterEach(() => { for (const client of clients.splice(0)) client.close(); });

function newClient(options = {}, url = 'ws://server/ws') {
  ScriptedSocket.all = [];
  const client = new RealtimeClient(url, { WebSocket: ScriptedSocket, minBackoffMs: 20, maxBackoffMs: 200, random: () => 0.5, ...options });
  clients.push(client);
  return client;
}

/** Opens the socket if it is still connecting, then sends `welcome`. */
async function welcome(socket, node = 'node-a') {
  if (socket.readyState === 0) socket.open();
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
  await assert.rejects(client.presence('chat:x'), (e) => e.code === 'timeout');
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

  const second = await socketNumber(1);
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

test('frame transport (the default): the URL says auth=frame without the token, and the auth frame goes first on open', async () => {
  const client = newClient({ token: 'jwt.secret.sig' }, 'ws://server/ws?room=5');
  const subscribing = client.subscribe('chat:x');
  const connected = client.connect();
  const socket = ScriptedSocket.all[0];
  assert.equal(socket.url, 'ws://server/ws?room=5&auth=frame');
  assert.doesNotMatch(socket.url, /access_token|jwt\.secret/);
  assert.equal(typeof socket.onopen, 'function');

  socket.open();
  assert.deepEqual(socket.sent, [{ type: 'auth', token: 'jwt.secret.sig' }], 'sent at once on open, nothing else');
  socket.receive({ type: 'welcome', connection: 'c-1', node: 'node-a', heartbeat: 25, maxMessageBytes: 65536, user: 'alice' });
  socket.receive({ type: 'ping' });
  await answerSubscribe(socket, { offset: 'e:1', recovered: true });
  assert.deepEqual(socket.sent.map((f) => f.type), ['auth', 'subscribe', 'pong']);
  assert.equal(socket.sent.filter((f) => f.type === 'auth').length, 1);
  assert.equal((await connected).user, 'alice');
  await subscribing;
  client.close();
});

test('frame transport: the query parameter goes before a fragment and after an existing query', async () => {
  for (const [url, expected] of [
    ['ws://server/ws', 'ws://server/ws?auth=frame'],
    ['ws://server/ws?', 'ws://server/ws?auth=frame'],
    ['ws://server/ws?a=1&b=2', 'ws://server/ws?a=1&b=2&auth=frame'],
    ['ws://server/ws?a=1#top', 'ws://server/ws?a=1&auth=frame#top'],
  ]) {
    const client = newClient({ token: 't' }, url);
    client.connect().catch(() => {});
    assert.equal(ScriptedSocket.all[0].url, expected);
    client.close();
  }
});

test('frame transport: an async token is read afresh for every connection and sent first on each', async () => {
  let n = 0;
  const client = newClient({ token: async () => { await tick(5); return `token-${++n}`; } });
  const subscribing = client.subscribe('chat:x');
  const connected = client.connect();
  const first = await socketNumber(0);
  assert.equal(first.url, 'ws://server/ws?auth=frame');
  first.open();
  assert.deepEqual(first.sent, [{ type: 'auth', token: 'token-1' }]);
  await welcome(first);
  await answerSubscribe(first, { offset: 'e:1', recovered: true });
  await connected;
  await subscribing;

  first.closeFromServer(1006);
  const second = await socketNumber(1);
  assert.equal(second.url, 'ws://server/ws?auth=frame');
  assert.deepEqual(second.sent, [], 'nothing before open');
  second.open();
  assert.deepEqual(second.sent, [{ type: 'auth', token: 'token-2' }]);
  await welcome(second);
  const resumed = await answerSubscribe(second, { offset: 'e:2', recovered: true });
  assert.equal(resumed.since, 'e:1');
  assert.deepEqual(second.sent.map((f) => f.type), ['auth', 'subscribe']);
  assert.equal(n, 2);
  client.close();
});

test('query transport: the token is read on every connect and sent as access_token, with no auth frame', async () => {
  let n = 0;
  const client = newClient({ token: () => `token-${++n}`, tokenTransport: 'query' });
  client.connect().catch(() => {}); // rejected by close() below
  await tick();
  const first = ScriptedSocket.all[0];
  assert.equal(first.url, 'ws://server/ws?access_token=token-1');
  await welcome(first);
  first.receive({ type: 'ping' });
  assert.deepEqual(first.sent, [{ type: 'pong' }]);
  first.closeFromServer(1006);
  const second = await socketNumber(1);
  assert.equal(second.url, 'ws://server/ws?access_token=token-2');
  second.open();
  assert.deepEqual(second.sent, []);
  client.close();
});

test('without a token neither auth=frame nor access_token nor an auth frame, whatever the transport', async () => {
  for (const options of [{}, { tokenTransport: 'frame' }, { tokenTransport: 'query' }, { token: () => undefined }, { token: '' }]) {
    const client = newClient(options);
    const connected = client.connect();
    await tick(); // a token function is awaited before the socket is created
    const socket = ScriptedSocket.all[0];
    assert.equal(socket.url, 'ws://server/ws', JSON.stringify(options));
    socket.open();
    assert.deepEqual(socket.sent, [], JSON.stringify(options));
    await welcome(socket);
    await connected;
    socket.receive({ type: 'ping' });
    assert.deepEqual(socket.sent, [{ type: 'pong' }], JSON.stringify(options));
    client.close();
  }
});

test('a 1008 close after the auth frame ends the client: no reconnect, connect() rejects with the reason', async () => {
  let reads = 0;
  const client = newClient({ token: () => { reads++; return 'expired-token'; } });
  const subscribing = client.subscribe('chat:x');
  const connected = client.connect();
  const outcome = connected.then(() => 'resolved', (e) => e);
  await tick();
  const socket = ScriptedSocket.all[0];
  socket.open();
  assert.deepEqual(socket.sent, [{ type: 'auth', token: 'expired-token' }]);
  socket.closeFromServer(1008, 'the token has expired');
  await tick();
  assert.equal(client.state, 'closed'); // before awaiting connect(), which would never settle otherwise

  const error = await outcome;
  assert.ok(error instanceof RealtimeError);
  assert.equal(error.code, 'closed');
  assert.equal(error.message, 'the token has expired');
  assert.equal((await subscribing).active, false);
  await tick(100);
  assert.equal(ScriptedSocket.all.length, 1, 'no reconnect');
  assert.equal(reads, 1);
});

test('frame transport: nothing else goes out on a socket before its auth frame', async () => {
  const client = newClient({ token: 'jwt' });
  client.connect().catch(() => {});
  const socket = ScriptedSocket.all[0];
  socket.readyState = 1; // open, but its open event not handled yet
  socket.receive({ type: 'ping' });
  assert.deepEqual(socket.sent, []);
  socket.onopen({ type: 'open' });
  assert.deepEqual(socket.sent, [{ type: 'auth', token: 'jwt' }]);
  client.close();
});

test('an unknown tokenTransport is refused', () => {
  assert.throws(() => newClient({ token: 't', tokenTransport: 'header' }), RangeError);
});

test('close() while an async token is read opens no socket', async () => {
  const client = newClient({ token: async () => { await tick(10); return 'late'; } });
  client.connect().catch(() => {});
  client.close();
  await tick(30);
  assert.equal(ScriptedSocket.all.length, 0);
  assert.equal(client.state, 'closed');
});

test('a token provider that fails is asked again after a backoff', async () => {
  let n = 0;
  const client = newClient({ token: async () => { if (++n === 1) throw new Error('token service down'); return 'ok'; } });
  const reasons = [];
  client.addEventListener('state', (e) => reasons.push(`${e.detail.state}:${e.detail.reason ?? ''}`));
  const connected = client.connect();
  await tick(30);
  assert.ok(reasons.includes('reconnecting:token: token service down'), reasons.join(', '));
  const socket = ScriptedSocket.all[0];
  assert.ok(socket, 'connected with the second token');
  socket.open();
  assert.deepEqual(socket.sent, [{ type: 'auth', token: 'ok' }]);
  await welcome(socket);
  await connected;
  client.close();
});

test('a socket that drops while its subscriptions resume does not report open', async () => {
  const client = newClient();
  const states = [];
  client.addEventListener('state', (e) => states.push(e.detail.state));
  client.addEventListener('error', () => {}); // the interrupted resubscribe
  client.subscribe('chat:x');
  client.connect();
  const first = ScriptedSocket.all[0];
  await welcome(first); // the subscribe is sent, never answered
  first.closeFromServer(1006);
  await tick();
  assert.equal(client.state, 'reconnecting');
  const second = await socketNumber(1);
  await welcome(second);
  await answerSubscribe(second, { offset: 'e:1', recovered: true });
  assert.deepEqual(states, ['connecting', 'reconnecting', 'open']);
  client.close();
});

// unavailable: the node's backplane is down; hook_failed / hook_timeout: the app's subscribe hook could
// not answer now. Nothing was done in each case, so the resume is tried again elsewhere.
for (const code of ['unavailable', 'hook_failed', 'hook_timeout'])
test(`a resume answered ${code} leaves that node and resumes again from the same offset, not open before`, async () => {
  const client = newClient();
  const states = [];
  const errors = [];
  client.addEventListener('state', (e) => states.push(e.detail.state));
  client.addEventListener('error', (e) => errors.push(e.detail.error.code));
  client.subscribe('chat:x');
  client.connect();
  const first = ScriptedSocket.all[0];
  await welcome(first);
  await answerSubscribe(first, { offset: 'e:7', recovered: true });
  first.closeFromServer(1006); // the node goes; the next one's backplane is down

  const second = await socketNumber(1);
  await welcome(second);
  await tick();
  const refused = second.last('subscribe');
  assert.equal(refused.since, 'e:7');
  second.receive({ type: 'error', ref: refused.ref, code, message: 'not now; try again' });
  await tick();
  assert.equal(second.readyState, 3, 'the client left the node that could not serve its resume');
  assert.equal(client.state, 'reconnecting');

  const third = await socketNumber(2);
  await welcome(third);
  const resumed = await answerSubscribe(third, { offset: 'e:9', recovered: true });
  assert.equal(resumed.since, 'e:7');
  assert.equal(client.state, 'open');
  assert.deepEqual(states, ['connecting', 'open', 'reconnecting', 'open']);
  assert.deepEqual(errors, []); // a passing refusal is not the app's error
});

/** A connected client on a scripted socket. */
async function connectedClient(options) {
  const client = newClient(options);
  const connected = client.connect();
  const socket = ScriptedSocket.all[0];
  await welcome(socket);
  await connected;
  return { client, socket };
}

/** Waits until the client has sent `count` frames of `type`, and returns them. */
async function sentFrames(socket, type, count) {
  for (let i = 0; i < 100; i++) {
    const frames = socket.sent.filter((f) => f.type === type);
    if (frames.length >= count) return frames;
    await tick(5);
  }
  assert.fail(`the client sent fewer than ${count} ${type} frames`);
}

test('a gap frame moves the offset, calls onGap, dispatches gap, and the next resume starts after it', async () => {
  const client = newClient();
  const gaps = [];
  client.addEventListener('gap', (e) => gaps.push(e.detail));
  const onGapCalls = [];
  const seen = [];
  const subscribing = client.subscribe('chat:lobby', (data) => seen.push(data), { onGap: (offset) => onGapCalls.push(offset) });
  client.connect();
  const first = ScriptedSocket.all[0];
  await welcome(first);
  await answerSubscribe(first, { offset: '3f9a2c61d0b4:40', recovered: true });
  const subscription = await subscribing;
  first.receive({ type: 'message', channel: 'chat:lobby', offset: '3f9a2c61d0b4:41', data: 'a' });
  assert.equal(subscription.recovered, true);

  first.receive({ type: 'gap', channel: 'chat:lobby', offset: '3f9a2c61d0b4:57' });
  assert.equal(subscription.offset, '3f9a2c61d0b4:57');
  assert.equal(subscription.recovered, false);
  assert.deepEqual(onGapCalls, ['3f9a2c61d0b4:57']);
  assert.deepEqual(gaps, [{ channel: 'chat:lobby', offset: '3f9a2c61d0b4:57' }]);
  assert.equal(subscription.active, true);

  first.closeFromServer(1006);
  const second = await socketNumber(1);
  await welcome(second);
  const resumed = await answerSubscribe(second, { offset: '3f9a2c61d0b4:58', recovered: true });
  assert.equal(resumed.since, '3f9a2c61d0b4:57');
  assert.equal(subscription.recovered, true, 'a resume that replayed everything recovers');
  second.receive({ type: 'message', channel: 'chat:lobby', offset: '3f9a2c61d0b4:58', data: 'b' });
  assert.deepEqual(seen, ['a', 'b']);
  client.close();
});

test('a gap without an offset keeps the last offset; a gap for a channel not subscribed is ignored', async () => {
  const client = newClient();
  const gaps = [];
  client.addEventListener('gap', (e) => gaps.push(e.detail));
  const onGapCalls = [];
  const subscribing = client.subscribe('chat:a', { onGap: (offset) => onGapCalls.push(offset) });
  client.connect();
  const socket = ScriptedSocket.all[0];
  await welcome(socket);
  await answerSubscribe(socket, { offset: 'e1:5', recovered: true });
  const subscription = await subscribing;

  socket.receive({ type: 'gap', channel: 'chat:other', offset: 'e1:9' });
  assert.deepEqual(gaps, []);
  assert.deepEqual(onGapCalls, []);
  assert.equal(subscription.offset, 'e1:5');
  assert.equal(subscription.recovered, true);

  socket.receive({ type: 'gap', channel: 'chat:a' });
  assert.equal(subscription.offset, 'e1:5');
  assert.equal(subscription.recovered, false);
  assert.deepEqual(onGapCalls, [undefined]);
  assert.deepEqual(gaps, [{ channel: 'chat:a', offset: undefined }]);

  const unsubscribing = subscription.unsubscribe();
  socket.receive({ type: 'unsubscribed', ref: socket.last('unsubscribe').ref, channel: 'chat:a' });
  await unsubscribing;
  socket.receive({ type: 'gap', channel: 'chat:a', offset: 'e1:12' });
  assert.equal(gaps.length, 1, 'no gap after unsubscribing');
  client.close();
});

test('publish always carries an id: generated when absent, the given one otherwise', async () => {
  const { client, socket } = await connectedClient();
  const generated = [client.publish('chat:x', 1), client.publish('chat:x', 2)];
  const chosen = client.publish('chat:x', 3, { id: 'order-17:retry@web' });
  const [a, b, c] = socket.sent.filter((f) => f.type === 'publish');
  assert.match(a.id, /^[A-Za-z0-9_\-:.@]{1,128}$/);
  assert.match(b.id, /^[A-Za-z0-9_\-:.@]{1,128}$/);
  assert.notEqual(a.id, b.id);
  assert.equal(c.id, 'order-17:retry@web');
  assert.deepEqual(c.data, 3);
  for (const [frame, n] of [[a, 1], [b, 2], [c, 3]]) socket.receive({ type: 'published', ref: frame.ref, channel: 'chat:x', offset: `e:${n}` });
  assert.deepEqual((await Promise.all([...generated, chosen])).map((r) => r.offset), ['e:1', 'e:2', 'e:3']);
  client.close();
});

test('without crypto.randomUUID the generated id still matches the allowed characters', async () => {
  const saved = Object.getOwnPropertyDescriptor(globalThis, 'crypto');
  Object.defineProperty(globalThis, 'crypto', { value: undefined, configurable: true, writable: true });
  try {
    const { client, socket } = await connectedClient();
    client.publish('chat:x', 1).catch(() => {});
    client.publish('chat:x', 2).catch(() => {});
    const [a, b] = socket.sent.filter((f) => f.type === 'publish');
    assert.match(a.id, /^[A-Za-z0-9_\-:.@]{16,128}$/);
    assert.notEqual(a.id, b.id);
    client.close();
  } finally {
    Object.defineProperty(globalThis, 'crypto', saved);
  }
});

test('a publish id that the server would refuse rejects without being sent', async () => {
  const { client, socket } = await connectedClient();
  await assert.rejects(client.publish('chat:x', 1, { id: 'has space' }), (e) => e.code === 'bad_request' && e.id === 'has space');
  await assert.rejects(client.publish('chat:x', 1, { id: 'x'.repeat(129) }), (e) => e.code === 'bad_request');
  assert.equal(socket.sent.filter((f) => f.type === 'publish').length, 0);
  client.close();
});

test('a publish answered unknown_outcome is sent again with the same id and resolves with the second reply', async () => {
  const { client, socket } = await connectedClient();
  const published = client.publish('chat:x', { text: 'hi' }, { id: 'msg-1' });
  const [first] = await sentFrames(socket, 'publish', 1);
  socket.receive({ type: 'error', ref: first.ref, code: 'unknown_outcome', message: 'the reply from the backplane was lost' });
  const [, second] = await sentFrames(socket, 'publish', 2);
  assert.notEqual(second.ref, first.ref);
  assert.deepEqual({ ...second, ref: undefined }, { ...first, ref: undefined });
  assert.equal(second.id, 'msg-1');
  socket.receive({ type: 'published', ref: second.ref, channel: 'chat:x', offset: '3f9a2c61d0b4:42' });
  const reply = await published;
  assert.equal(reply.type, 'published');
  assert.equal(reply.offset, '3f9a2c61d0b4:42');
  client.close();
});

test('a publish that times out while open is sent again with the same (generated) id', async () => {
  const { client, socket } = await connectedClient({ requestTimeoutMs: 30 });
  const published = client.publish('chat:x', 1);
  const [first, second] = await sentFrames(socket, 'publish', 2);
  assert.equal(second.id, first.id);
  socket.receive({ type: 'published', ref: second.ref, channel: 'chat:x', offset: 'e:1' });
  assert.equal((await published).offset, 'e:1');
  client.close();
});

test('retries stop after the limit and reject with the last error, carrying the id', async () => {
  const { client, socket } = await connectedClient({ publishRetries: 2 });
  const published = client.publish('chat:x', 1);
  const outcome = published.then(() => 'resolved', (e) => e);
  for (let n = 1; n <= 3; n++) {
    const frames = await sentFrames(socket, 'publish', n);
    socket.receive({ type: 'error', ref: frames[n - 1].ref, code: 'unknown_outcome', message: `attempt ${n}` });
  }
  const error = await outcome;
  assert.ok(error instanceof RealtimeError);
  assert.equal(error.code, 'unknown_outcome');
  assert.equal(error.message, 'attempt 3');
  const frames = socket.sent.filter((f) => f.type === 'publish');
  assert.equal(frames.length, 3, 'one attempt and two retries');
  assert.equal(error.id, frames[0].id);
  assert.ok(frames.every((f) => f.id === frames[0].id));
  await tick(50);
  assert.equal(socket.sent.filter((f) => f.type === 'publish').length, 3, 'nothing sent after the rejection');

  const once = client.publish('chat:x', 2, { retries: 0 });
  const [, , , only] = await sentFrames(socket, 'publish', 4);
  socket.receive({ type: 'error', ref: only.ref, code: 'unknown_outcome' });
  await assert.rejects(once, (e) => e.code === 'unknown_outcome' && e.id === only.id);
  await tick(50);
  assert.equal(socket.sent.filter((f) => f.type === 'publish').length, 4, 'retries: 0 sends once');
  client.close();
});

test('other errors are not retried: forbidden rejects at once, with the id', async () => {
  const { client, socket } = await connectedClient();
  const published = client.publish('chat:x', 1, { id: 'p-1' });
  const [frame] = await sentFrames(socket, 'publish', 1);
  socket.receive({ type: 'error', ref: frame.ref, code: 'forbidden', message: 'server-only namespace' });
  await assert.rejects(published, (e) => e.code === 'forbidden' && e.id === 'p-1');
  await tick(50);
  assert.equal(socket.sent.filter((f) => f.type === 'publish').length, 1);
  client.close();
});

test('a claim answered unknown_outcome is claimed again; conflict still rejects at once', async () => {
  const { client, socket } = await connectedClient();
  const claiming = client.claim('booking:r1', 'table-12@19:00', { ttl: 120, retries: 1 });
  const [first] = await sentFrames(socket, 'claim', 1);
  assert.equal(first.retries, undefined, 'retries is not sent');
  assert.equal(first.ttl, 120);
  socket.receive({ type: 'error', ref: first.ref, code: 'unknown_outcome' });
  const [, second] = await sentFrames(socket, 'claim', 2);
  assert.deepEqual({ ...second, ref: undefined }, { ...first, ref: undefined });
  socket.receive({ type: 'claimed', ref: second.ref, channel: 'booking:r1', resource: 'table-12@19:00', owner: 'alice', offset: 'e:3' });
  assert.equal((await claiming).owner, 'alice');

  const taken = client.claim('booking:r1', 'table-13@19:00');
  const [, , third] = await sentFrames(socket, 'claim', 3);
  socket.receive({ type: 'error', ref: third.ref, code: 'conflict', owner: 'bob' });
  await assert.rejects(taken, (e) => e.code === 'conflict' && e.owner === 'bob');
  await tick(50);
  assert.equal(socket.sent.filter((f) => f.type === 'claim').length, 3);
  client.close();
});

test('rpc sends method and data and resolves with the data of the result', async () => {
  const { client, socket } = await connectedClient();
  const called = client.rpc('tables', { night: 'tonight' });
  const [frame] = await sentFrames(socket, 'rpc', 1);
  assert.deepEqual(frame, { type: 'rpc', method: 'tables', data: { night: 'tonight' }, ref: frame.ref });
  const layout = { channel: 'booking:tonight', seatings: ['18:00', '19:30', '21:00'], tables: [1, 2, 3] };
  socket.receive({ type: 'result', ref: frame.ref, method: 'tables', data: layout });
  assert.deepEqual(await called, layout);

  const bare = client.rpc('ping');
  const [, second] = await sentFrames(socket, 'rpc', 2);
  assert.deepEqual(second, { type: 'rpc', method: 'ping', ref: second.ref }, 'no data: none sent');
  socket.receive({ type: 'result', ref: second.ref, method: 'ping' });
  assert.equal(await bare, null, 'a result without data resolves with null');

  const falsy = client.rpc('count');
  const [, , third] = await sentFrames(socket, 'rpc', 3);
  socket.receive({ type: 'result', ref: third.ref, method: 'count', data: 0 });
  assert.equal(await falsy, 0);
  client.close();
});

test('an rpc refused by the app rejects with its code and message; unknown_method likewise', async () => {
  const { client, socket } = await connectedClient();
  const booking = client.rpc('book', { table: 3, time: '19:30' });
  const [frame] = await sentFrames(socket, 'rpc', 1);
  socket.receive({ type: 'error', ref: frame.ref, code: 'one_table_per_seating', message: 'You already have table 3 at 19:30' });
  await assert.rejects(booking, (e) => e instanceof RealtimeError && e.code === 'one_table_per_seating' && e.message === 'You already have table 3 at 19:30');

  const unknown = client.rpc('nope');
  const [, second] = await sentFrames(socket, 'rpc', 2);
  socket.receive({ type: 'error', ref: second.ref, code: 'unknown_method', message: 'no method nope' });
  await assert.rejects(unknown, (e) => e instanceof RealtimeError && e.code === 'unknown_method');
  client.close();
});

test('an rpc is never sent again: not after unknown_outcome, a timeout, or a reconnect', async () => {
  const { client, socket } = await connectedClient({ requestTimeoutMs: 30 });
  const unknown = client.rpc('charge', { amount: 5 });
  const [frame] = await sentFrames(socket, 'rpc', 1);
  socket.receive({ type: 'error', ref: frame.ref, code: 'unknown_outcome', message: 'the reply was lost' });
  await assert.rejects(unknown, (e) => e.code === 'unknown_outcome');

  await assert.rejects(client.rpc('charge', { amount: 6 }), (e) => e.code === 'timeout');
  await tick(50);
  assert.equal(socket.sent.filter((f) => f.type === 'rpc').length, 2, 'one frame each, no resend');

  const dropped = client.rpc('charge', { amount: 7 });
  await sentFrames(socket, 'rpc', 3);
  socket.closeFromServer(1006);
  await assert.rejects(dropped, (e) => e.code === 'disconnected');
  const second = await socketNumber(1);
  await welcome(second);
  assert.equal(client.state, 'open');
  await tick(50);
  assert.deepEqual(second.sent.filter((f) => f.type === 'rpc'), [], 'nothing resent on the new connection');
  assert.equal(socket.sent.filter((f) => f.type === 'rpc').length, 3);
  client.close();
});

test('the welcome keeps the data the app attached', async () => {
  const client = newClient();
  const welcomes = [];
  client.addEventListener('welcome', (e) => welcomes.push(e.detail.welcome));
  const connected = client.connect();
  const socket = ScriptedSocket.all[0];
  socket.open();
  socket.receive({ type: 'welcome', connection: 'c-1', node: 'node-a', heartbeat: 25, maxMessageBytes: 65536, data: { plan: 'gold' } });
  const welcome = await connected;
  assert.deepEqual(welcome.data, { plan: 'gold' });
  assert.deepEqual(client.welcome.data, { plan: 'gold' });
  assert.deepEqual(welcomes[0].data, { plan: 'gold' });
  client.close();
});
