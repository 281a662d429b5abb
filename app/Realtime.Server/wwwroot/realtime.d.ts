// Typings for realtime.js (RealtimeInfra browser client). Protocol: docs/protocol.md.

export type ConnectionState = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'closed';

export interface Welcome {
  type: 'welcome';
  connection: string;
  node: string;
  heartbeat: number;
  maxMessageBytes: number;
  user?: string;
  /** Whatever the server app's connect hook attached to this connection (absent when it attached nothing). */
  data?: unknown;
}

export interface Message<T = unknown> {
  type: 'message';
  channel: string;
  offset: string;
  data: T;
}

/** Sent by the server when messages of a subscribed channel were lost and cannot be replayed. */
export interface Gap {
  type: 'gap';
  channel: string;
  /** Live delivery continues after this offset (absent when the server does not know it). */
  offset?: string;
}

/** Detail of the client's `gap` event: a failed resume, or a `gap` frame. */
export interface GapEventDetail {
  channel: string;
  offset: string | undefined;
}

export interface Published {
  type: 'published';
  channel: string;
  /** With the same `id`, a repeat answers the offset of the original publish. */
  offset: string;
}

export interface Member {
  connection: string;
  user?: string;
  node: string;
  joinedAt: number;
}

export interface Claimed {
  type: 'claimed';
  channel: string;
  resource: string;
  owner: string;
  offset: string;
}

/**
 * How the token reaches the server. `'frame'` (default): the URL gets `auth=frame` and the token goes
 * in the first frame, `{"type":"auth","token":"…"}`, so it never appears in a URL (access logs keep
 * URLs). `'query'`: `?access_token=…` in the URL, for a server of the first version.
 */
export type TokenTransport = 'frame' | 'query';

export interface ClientOptions {
  /**
   * A token, or a function returning one; read afresh on every (re)connect and sent as `tokenTransport`
   * says. Without one (or when it returns an empty value) the connection is anonymous.
   */
  token?: string | (() => string | Promise<string>);
  /** Default `'frame'`; `'query'` puts the token in the URL. An unknown value throws a RangeError. */
  tokenTransport?: TokenTransport;
  requestTimeoutMs?: number;
  minBackoffMs?: number;
  maxBackoffMs?: number;
  WebSocket?: typeof WebSocket;
  random?: () => number;
  /** Resends of a publish or claim whose outcome is unknown (`unknown_outcome`, or a timeout). Default 3. Never of an `rpc`. */
  publishRetries?: number;
}

export interface PublishOptions {
  /**
   * Idempotency key, matching ^[A-Za-z0-9_\-:.@]{1,128}$; generated when absent. The same id on the
   * same channel within the server's window (2 minutes) is stored and delivered once.
   */
  id?: string;
  /** Resends when the outcome is unknown; default the client's `publishRetries`. */
  retries?: number;
}

export interface ClaimOptions {
  /** Seconds until the claim expires. */
  ttl?: number;
  releaseOnDisconnect?: boolean;
  /** Resends when the outcome is unknown; default the client's `publishRetries`. */
  retries?: number;
}

export interface SubscribeOptions {
  presence?: boolean;
  /** Resume from an offset stored earlier. */
  since?: string;
  /** Messages were missed and cannot be replayed (failed resume, or a `gap`); reload what you show. */
  onGap?: (offset: string | undefined) => void;
}

export declare class RealtimeError extends Error {
  /**
   * A server error code (docs/protocol.md, e.g. `conflict`, `unknown_outcome`, `unknown_method`), an
   * app's own code from a refused `rpc` (`[a-z][a-z0-9_]*`), or `timeout` / `disconnected`.
   */
  code: string;
  /** Who holds the resource, on `conflict`. */
  owner?: string;
  /** On a rejected publish: its idempotency key, to publish again later without a duplicate. */
  id?: string;
}

export declare function backoffDelay(attempt: number, minMs?: number, maxMs?: number, random?: () => number): number;

export declare class Subscription<T = unknown> implements AsyncIterable<Message<T>> {
  readonly channel: string;
  readonly offset: string | undefined;
  readonly recovered: boolean;
  readonly active: boolean;
  unsubscribe(): Promise<void>;
  [Symbol.asyncIterator](): AsyncIterator<Message<T>>;
}

export declare class RealtimeClient extends EventTarget {
  constructor(url: string, options?: ClientOptions);
  readonly state: ConnectionState;
  readonly welcome: Welcome | undefined;
  connect(): Promise<Welcome>;
  close(): void;
  subscribe<T = unknown>(channel: string, onMessage?: (data: T, message: Message<T>) => void, options?: SubscribeOptions): Promise<Subscription<T>>;
  subscribe<T = unknown>(channel: string, options: SubscribeOptions): Promise<Subscription<T>>;
  publish(channel: string, data: unknown, options?: PublishOptions): Promise<Published>;
  presence(channel: string): Promise<Member[]>;
  claim(channel: string, resource: string, options?: ClaimOptions): Promise<Claimed>;
  release(channel: string, resource: string): Promise<{ type: 'released'; channel: string; resource: string; offset: string }>;
  claims(channel: string): Promise<{ resource: string; owner: string }[]>;
  refresh(token: string): Promise<{ type: 'refreshed'; expires: number }>;
  /**
   * Calls the server app's `method`; resolves with the result's `data` (null when it has none). Rejects
   * with `unknown_method`, `hook_failed`, `hook_timeout`, or the app's own code and message. Never
   * retried, even when the outcome is unknown: an RPC may not be safe to repeat.
   */
  rpc<T = unknown>(method: string, data?: unknown): Promise<T>;
  addEventListener(type: 'gap', listener: (event: CustomEvent<GapEventDetail>) => void, options?: boolean | AddEventListenerOptions): void;
  addEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: boolean | AddEventListenerOptions): void;
}
