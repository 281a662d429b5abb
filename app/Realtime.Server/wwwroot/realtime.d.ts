// Typings for realtime.js (RealtimeInfra browser client). Protocol: docs/protocol.md.

export type ConnectionState = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'closed';

export interface Welcome {
  type: 'welcome';
  connection: string;
  node: string;
  heartbeat: number;
  maxMessageBytes: number;
  user?: string;
}

export interface Message<T = unknown> {
  type: 'message';
  channel: string;
  offset: string;
  data: T;
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

export interface ClientOptions {
  /** A token, or a function returning one; read on every (re)connect and sent as access_token. */
  token?: string | (() => string | Promise<string>);
  requestTimeoutMs?: number;
  minBackoffMs?: number;
  maxBackoffMs?: number;
  WebSocket?: typeof WebSocket;
  random?: () => number;
}

export interface SubscribeOptions {
  presence?: boolean;
  /** Resume from an offset stored earlier. */
  since?: string;
  /** Messages were missed and could not be replayed; reload what you show. */
  onGap?: (offset: string | undefined) => void;
}

export declare class RealtimeError extends Error {
  code: string;
  owner?: string;
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
  publish(channel: string, data: unknown): Promise<{ type: 'published'; channel: string; offset: string }>;
  presence(channel: string): Promise<Member[]>;
  claim(channel: string, resource: string, options?: { ttl?: number; releaseOnDisconnect?: boolean }): Promise<Claimed>;
  release(channel: string, resource: string): Promise<{ type: 'released'; channel: string; resource: string; offset: string }>;
  claims(channel: string): Promise<{ resource: string; owner: string }[]>;
  refresh(token: string): Promise<{ type: 'refreshed'; expires: number }>;
}
