// RealtimeInfra browser client: an ES module, no build step, no dependency.
// Protocol: docs/protocol.md. Usage: docs/clients.md.

/** Close codes after which reconnecting cannot help (policy: too many errors, expired token). */
const TERMINAL_CLOSE_CODES = new Set([1008]);
const SERVICE_RESTART = 1012;
const TOKEN_TRANSPORTS = new Set(['frame', 'query']);

/** `url` with `param` (already encoded `name=value`) added to its query, before any fragment. */
function withQueryParam(url, param) {
  const hash = url.indexOf('#');
  const [base, fragment] = hash < 0 ? [url, ''] : [url.slice(0, hash), url.slice(hash)];
  const separator = !base.includes('?') ? '?' : /[?&]$/.test(base) ? '' : '&';
  return base + separator + param + fragment;
}

/** What an idempotency key (`id` of a publish) must look like: the same rule as a channel name. */
const ID_PATTERN = /^[A-Za-z0-9_\-:.@]{1,128}$/;
const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-';

/** A fresh idempotency key: a UUID where the platform has one, else 22 random characters (~132 bits). */
function newId() {
  const uuid = globalThis.crypto?.randomUUID?.();
  if (uuid) return uuid;
  const bytes = new Uint8Array(22);
  if (globalThis.crypto?.getRandomValues) globalThis.crypto.getRandomValues(bytes);
  else for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(Math.random() * 256);
  let id = '';
  for (const byte of bytes) id += ID_ALPHABET[byte & 63];
  return id;
}

/**
 * An error reply from the server (`code` as in docs/protocol.md), or `timeout` / `disconnected`.
 * A rejected `publish` also carries the request's idempotency key as `id`: publishing again with it
 * later cannot store the message twice.
 */
/** Why a resubscribe may fail and succeed on the next connection: the node could not serve it now. */
// hook_failed / hook_timeout: the app's subscribe hook (or its backend) could not answer now; nothing was done.
const RESUME_RETRY_CODES = new Set(['unavailable', 'unknown_outcome', 'timeout', 'rate_limited', 'hook_failed', 'hook_timeout']);

export class RealtimeError extends Error {
  constructor(code, message, owner) {
    super(message || code);
    this.name = 'RealtimeError';
    this.code = code;
    this.owner = owner;
  }
}

/**
 * Delay before reconnect attempt `attempt` (0-based): exponential backoff with full jitter,
 * uniformly random between 0 and min(max, min * 2^attempt), so clients of a dead node spread out.
 */
export function backoffDelay(attempt, minMs = 500, maxMs = 20000, random = Math.random) {
  const ceiling = Math.min(maxMs, minMs * 2 ** attempt);
  return Math.floor(random() * ceiling);
}

/** One subscription: a callback and/or an async iterator of messages; it follows reconnects. */
export class Subscription {
  constructor(client, channel, options) {
    this.client = client;
    this.channel = channel;
    this.presence = !!options.presence;
    this.onMessage = options.onMessage;
    this.onGap = options.onGap;
    /** Offset of the last message delivered to the app: where a resume starts. */
    this.offset = options.since;
    /** False after messages were missed for good: a (re)subscribe that could not replay them, or a `gap`. */
    this.recovered = true;
    this.active = true;
    this._queue = [];
    this._waiters = [];
  }

  _deliver(message) {
    this.offset = message.offset;
    if (this.onMessage) {
      try { this.onMessage(message.data, message); } catch (e) { console.error(e); }
    }
    const waiter = this._waiters.shift();
    if (waiter) waiter.resolve({ value: message, done: false });
    else this._queue.push(message);
  }

  _end() {
    this.active = false;
    for (const waiter of this._waiters.splice(0)) waiter.resolve({ value: undefined, done: true });
  }

  /** Stops the subscription (here and on the server). */
  async unsubscribe() {
    if (!this.active) return;
    this._end();
    this.client._subscriptions.delete(this.channel);
    if (this.client.state === 'open') {
      await this.client._request({ type: 'unsubscribe', channel: this.channel }).catch(() => {});
    }
  }

  [Symbol.asyncIterator]() {
    return {
      next: () => {
        if (this._queue.length) return Promise.resolve({ value: this._queue.shift(), done: false });
        if (!this.active) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => this._waiters.push({ resolve }));
      },
      // Leaving a for-await loop unsubscribes without waiting for the server's answer.
      return: () => { this.unsubscribe(); return Promise.resolve({ value: undefined, done: true }); },
    };
  }
}

/**
 * A connection that stays connected: requests are promises matched by `ref`, subscriptions resume
 * from their last offset after every reconnect, and `state` events tell the app what is going on.
 * Events: `state` {state}, `welcome` {welcome}, `gap` {channel, offset} (messages of a subscription
 * were missed and cannot be replayed: a resume that could not recover them, or a `gap` frame; live
 * delivery goes on after `offset`, which may be undefined), `join`/`leave` {channel, member},
 * `claims`, `error` {error}.
 * `publish` and `claim` retry by themselves when the outcome is unknown (`unknown_outcome`, or no
 * reply in time): a publish keeps its idempotency key `id`, a claim repeated by its owner is claimed again.
 * `rpc` (a call of the app's server-side method) never does: it may not be safe to repeat.
 */
export class RealtimeClient extends EventTarget {
  constructor(url, options = {}) {
    super();
    this.url = url;
    this.options = {
      token: undefined,            // string, or () => string | Promise<string>, read on every connect
      tokenTransport: 'frame',     // 'frame': first frame {"type":"auth"} (URL: ?auth=frame); 'query': ?access_token=
      requestTimeoutMs: 10000,
      minBackoffMs: 500,
      maxBackoffMs: 20000,
      WebSocket: globalThis.WebSocket,
      random: Math.random,
      publishRetries: 3,           // retries of a publish or claim whose outcome is unknown
      ...options,
    };
    if (!TOKEN_TRANSPORTS.has(this.options.tokenTransport)) {
      throw new RangeError(`tokenTransport must be 'frame' or 'query', not ${JSON.stringify(this.options.tokenTransport)}`);
    }
    this.state = 'idle';
    this.welcome = undefined;
    this._socket = undefined;
    this._ref = 0;
    this._pending = new Map();
    this._subscriptions = new Map();
    this._attempt = 0;
    this._timer = undefined;
    this._closing = false;
    this._drained = false;
    /** Bumped by every `_open` and by `close()`: an `_open` that awaited a token and is no longer the latest gives up. */
    this._generation = 0;
    /** Token of the current socket still to be sent as its first frame: nothing else may go out before it. */
    this._authFrameToken = undefined;
  }

  /** Connects (and keeps reconnecting until `close()`); resolves with the first `welcome`. */
  connect() {
    this._closing = false;
    if (this.state === 'open') return Promise.resolve(this.welcome);
    const opened = new Promise((resolve, reject) => {
      const onState = (e) => {
        if (e.detail.state === 'open') { this.removeEventListener('state', onState); resolve(this.welcome); }
        if (e.detail.state === 'closed') { this.removeEventListener('state', onState); reject(new RealtimeError('closed', e.detail.reason)); }
      };
      this.addEventListener('state', onState);
    });
    if (this.state === 'idle' || this.state === 'closed') this._open();
    return opened;
  }

  /** Closes for good: no reconnect. */
  close() {
    this._closing = true;
    this._generation++;
    clearTimeout(this._timer);
    if (this._socket) this._socket.close(1000, 'client closed');
    this._setState('closed', 'client closed');
  }

  /**
   * Subscribes to `channel`. `onMessage(data, message)` is optional: the returned subscription is
   * also an async iterator of messages. Options: `presence` (join/leave events), `since` (resume
   * from an offset you stored), `onGap(offset)` (called when missed messages could not be replayed:
   * on a resume that could not recover them, or when the server reports a `gap`).
   */
  async subscribe(channel, onMessage, options = {}) {
    if (typeof onMessage === 'object' && onMessage !== null) { options = onMessage; onMessage = undefined; }
    if (this._subscriptions.has(channel)) throw new RealtimeError('already_subscribed', `already subscribed to ${channel}`);
    const subscription = new Subscription(this, channel, { ...options, onMessage });
    this._subscriptions.set(channel, subscription);
    if (this.state === 'open') {
      try { await this._subscribe(subscription); }
      catch (e) { this._subscriptions.delete(channel); subscription._end(); throw e; }
    }
    return subscription;
  }

  /**
   * Publishes `data`; resolves with `published` (its offset). Options: `id`, the idempotency key
   * (`^[A-Za-z0-9_\-:.@]{1,128}$`, generated when absent): the same `id` on the same channel within
   * the server's window (2 minutes) is stored once, and a repeat answers the original offset;
   * `retries` (default: the client's `publishRetries`): how often to resend the same frame when the
   * outcome is unknown. A rejection's error carries the `id`, to publish again later without a duplicate.
   */
  async publish(channel, data, options = {}) {
    const id = options.id ?? newId();
    if (typeof id !== 'string' || !ID_PATTERN.test(id)) {
      throw Object.assign(new RealtimeError('bad_request', 'publish id must match ^[A-Za-z0-9_\\-:.@]{1,128}$'), { id });
    }
    try {
      return await this._requestWithRetries({ type: 'publish', channel, data, id }, options.retries);
    } catch (e) {
      e.id = id;
      throw e;
    }
  }

  async presence(channel) { return (await this._request({ type: 'presence', channel })).members; }

  /**
   * Resolves with `claimed`; rejects with a RealtimeError whose code is `conflict` (and `owner`) when taken.
   * Options: `ttl`, `releaseOnDisconnect`, and `retries` as for `publish` (a repeated claim by its
   * owner is answered `claimed` again, so resending after an unknown outcome is safe).
   */
  claim(channel, resource, options = {}) {
    const { retries, ...fields } = options;
    return this._requestWithRetries({ type: 'claim', channel, resource, ...fields }, retries);
  }

  release(channel, resource) { return this._request({ type: 'release', channel, resource }); }

  async claims(channel) { return (await this._request({ type: 'claims', channel })).claims; }

  /**
   * Calls the server app's `method` with `data` (optional, any JSON); resolves with the `data` of the
   * `result` reply (null when it has none). Rejects with a RealtimeError: `unknown_method` (no handler
   * for `method`), `hook_failed` / `hook_timeout` (the app's hook threw, or did not answer in time:
   * nothing was done), or the app's own code and message when its hook refused (e.g. `no_such_table`).
   * Never retried, not even when the outcome is unknown (`unknown_outcome`, `timeout`, `disconnected`):
   * unlike a publish or a claim, an RPC may not be safe to repeat, so the caller decides.
   */
  async rpc(method, data) {
    const reply = await this._request({ type: 'rpc', method, data });
    return reply.data ?? null;
  }

  /** Hands the server a fresh token before the current one expires. */
  refresh(token) { return this._request({ type: 'refresh', token }); }

  // ---- internals -------------------------------------------------------------------------

  async _open() {
    clearTimeout(this._timer);
    const generation = ++this._generation;
    this._setState(this._attempt === 0 && !this.welcome ? 'connecting' : 'reconnecting');
    let token;
    try {
      // A string (or no token) is used synchronously; a function is called afresh for every connection.
      token = typeof this.options.token === 'function' ? await this.options.token() : this.options.token;
    } catch (e) {
      if (generation !== this._generation || this._closing) return;
      this._scheduleReconnect(`token: ${e?.message ?? e}`);
      return;
    }
    if (generation !== this._generation || this._closing) return; // closed, or reopened, meanwhile
    const byFrame = !!token && this.options.tokenTransport === 'frame';
    let url = this.url;
    if (byFrame) url = withQueryParam(url, 'auth=frame');
    else if (token) url = withQueryParam(url, 'access_token=' + encodeURIComponent(token));
    let socket;
    try {
      socket = new this.options.WebSocket(url);
    } catch (e) {
      this._scheduleReconnect();
      return;
    }
    this._socket = socket;
    this._drained = false;
    this._authFrameToken = byFrame ? token : undefined;
    // The server says nothing on this socket until it has the auth frame: send it first, at once.
    if (byFrame) socket.onopen = () => this._sendAuthFrame(socket);
    socket.onmessage = (event) => this._onFrame(event.data);
    socket.onclose = (event) => this._onClose(socket, event.code, event.reason);
  }

  _sendAuthFrame(socket) {
    if (socket !== this._socket || this._authFrameToken === undefined) return;
    socket.send(JSON.stringify({ type: 'auth', token: this._authFrameToken }));
    this._authFrameToken = undefined;
  }

  _onFrame(text) {
    let frame;
    try { frame = JSON.parse(text); } catch { return; }
    switch (frame.type) {
      case 'welcome': {
        this.welcome = frame;
        this.dispatchEvent(new CustomEvent('welcome', { detail: { welcome: frame } }));
        const socket = this._socket;
        // Open only if this socket is still the current one: it may have dropped during the resume.
        // A node that could not serve the resume (its backplane unavailable) is left, and the next
        // connection resumes from the same offsets after a backoff that keeps growing until one opens.
        this._resumeAll().then((retry) => {
          if (this._socket !== socket) return;
          if (retry) { socket.close(1000, 'resume failed'); return; }
          this._attempt = 0;
          this._setState('open');
        });
        return;
      }
      case 'message': {
        const subscription = this._subscriptions.get(frame.channel);
        if (subscription && subscription.active) subscription._deliver(frame);
        return;
      }
      case 'gap': {
        const subscription = this._subscriptions.get(frame.channel);
        if (subscription && subscription.active) this._gap(subscription, frame.offset);
        return;
      }
      case 'ping':
        this._send({ type: 'pong' });
        return;
      case 'reconnect':
        this._drained = true; // the node is going away: come back at once (jittered), elsewhere
        return;
      case 'join':
      case 'leave':
        this.dispatchEvent(new CustomEvent(frame.type, { detail: { channel: frame.channel, member: frame.member } }));
        return;
      default:
        break;
    }
    if (frame.ref !== undefined && this._pending.has(frame.ref)) {
      const pending = this._pending.get(frame.ref);
      this._pending.delete(frame.ref);
      clearTimeout(pending.timer);
      if (frame.type === 'error') pending.reject(new RealtimeError(frame.code, frame.message, frame.owner));
      else pending.resolve(frame);
    } else if (frame.type === 'error') {
      this.dispatchEvent(new CustomEvent('error', { detail: { error: new RealtimeError(frame.code, frame.message) } }));
    }
  }

  _onClose(socket, code, reason) {
    if (socket !== this._socket) return;
    this._socket = undefined;
    this._authFrameToken = undefined;
    for (const [, pending] of this._pending) {
      clearTimeout(pending.timer);
      pending.reject(new RealtimeError('disconnected', 'the connection closed before the reply'));
    }
    this._pending.clear();
    if (this._closing) return;
    if (TERMINAL_CLOSE_CODES.has(code)) {
      this._setState('closed', reason || `closed with ${code}`);
      for (const subscription of this._subscriptions.values()) subscription._end();
      return;
    }
    if (code === SERVICE_RESTART || this._drained) {
      // A deploy: reconnect right away, spread over up to one minimum backoff so a node's clients
      // do not arrive together.
      this._setState('reconnecting', reason);
      this._timer = setTimeout(() => this._open(), Math.floor(this.options.random() * this.options.minBackoffMs));
      return;
    }
    this._scheduleReconnect(reason);
  }

  _scheduleReconnect(reason) {
    this._setState('reconnecting', reason);
    const delay = backoffDelay(this._attempt++, this.options.minBackoffMs, this.options.maxBackoffMs, this.options.random);
    this._timer = setTimeout(() => this._open(), delay);
  }

  /** Resubscribes everything; resolves true when a subscription failed for a reason that passes (try again elsewhere). */
  async _resumeAll() {
    let retry = false;
    await Promise.all([...this._subscriptions.values()].map((s) => this._subscribe(s).catch((e) => {
      if (RESUME_RETRY_CODES.has(e.code)) retry = true;
      else this.dispatchEvent(new CustomEvent('error', { detail: { error: e, channel: s.channel } }));
    })));
    return retry;
  }

  async _subscribe(subscription) {
    const request = { type: 'subscribe', channel: subscription.channel };
    if (subscription.presence) request.presence = true;
    if (subscription.offset) request.since = subscription.offset;
    const reply = await this._request(request, true);
    if (subscription.offset !== undefined && reply.recovered === false) {
      this._gap(subscription, reply.offset);
    } else {
      subscription.recovered = reply.recovered !== false;
      if (!subscription.offset) subscription.offset = reply.offset;
    }
    return reply;
  }

  /**
   * Messages of `subscription` were missed and cannot be replayed (a failed resume, or a `gap` frame):
   * live delivery goes on after `offset` (when known), and the app must reload what it shows.
   */
  _gap(subscription, offset) {
    if (offset !== undefined) subscription.offset = offset;
    subscription.recovered = false;
    if (subscription.onGap) {
      try { subscription.onGap(offset); } catch (e) { console.error(e); }
    }
    this.dispatchEvent(new CustomEvent('gap', { detail: { channel: subscription.channel, offset } }));
  }

  /**
   * Sends `frame` and resends the same frame when its outcome is unknown: an `unknown_outcome` reply,
   * or no reply in time while the connection is still open. Up to `retries` (default
   * `publishRetries`) resends, after a small jittered backoff; any other error rejects at once, and
   * after the last attempt the last error does. Only for requests that are safe to repeat.
   */
  async _requestWithRetries(frame, retries) {
    retries ??= this.options.publishRetries;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this._request(frame);
      } catch (e) {
        const unknown = e.code === 'unknown_outcome' || (e.code === 'timeout' && this.state === 'open');
        if (!unknown || attempt >= retries || this._closing) throw e;
        const delay = backoffDelay(attempt, this.options.minBackoffMs, this.options.maxBackoffMs, this.options.random);
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  _request(frame, duringResume = false) {
    if (this.state !== 'open' && !(duringResume && this._socket)) {
      return Promise.reject(new RealtimeError('disconnected', `not connected (${this.state})`));
    }
    const ref = ++this._ref;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this._pending.delete(ref);
        reject(new RealtimeError('timeout', `no reply to ${frame.type} within ${this.options.requestTimeoutMs} ms`));
      }, this.options.requestTimeoutMs);
      this._pending.set(ref, { resolve, reject, timer });
      this._send({ ...frame, ref });
    });
  }

  _send(frame) {
    // Nothing goes out on a socket before its auth frame (frame transport).
    if (this._socket && this._socket.readyState === 1 && this._authFrameToken === undefined) {
      this._socket.send(JSON.stringify(frame));
    }
  }

  _setState(state, reason) {
    if (this.state === state) return;
    this.state = state;
    this.dispatchEvent(new CustomEvent('state', { detail: { state, reason } }));
  }
}
