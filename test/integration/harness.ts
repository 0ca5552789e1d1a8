/**
 * Shared setup of the integration tests: a real server on port 0, clients on worker_threads
 * (the built package, imported the way an app does), recorders of what each app observed, and
 * cleanup of everything a test started.
 */
import { randomBytes } from 'node:crypto';
import { afterEach } from 'vitest';
import { redisTarget } from '../cluster/redis-target.js';
import { createClient, type ChannelClient, type ChannelEvent, type ClientOptions, type PeerTable } from 'channel-link';
import { startServer, type ChannelLinkServer, type ServerOptions } from 'channel-link/server';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { waitFor } from '../support/wait-for.js';

/** Scaled-down timeouts: the seed timeline at roughly a tenth of its real pace. */
export const FAST_SERVER: ServerOptions = { peerTimeoutMs: 1500, streamTimeoutMs: 800, logLevel: 'silent' };
export const FAST_CLIENT: Omit<ClientOptions, 'url'> = {
  heartbeatIntervalMs: 100,
  connectionTimeoutMs: 500,
  joinTimeoutMs: 3000,
  reconnect: { initialDelayMs: 100, maxDelayMs: 300, giveUpAfterMs: 60_000 },
};

const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
export const onCleanup = (fn: () => Promise<unknown> | unknown) => cleanups.push(fn);

/** The same tests run on one node, and (project 'cluster') on three nodes of one Redis. */
export const CLUSTER = process.env.CHANNEL_LINK_TEST_TOPOLOGY === 'cluster';
/** Cluster nodes check in every 200 ms and are dead after 600 ms of silence (the fast pace of these tests). */
export const FAST_NODE_TTL_MS = 600;

export async function testServer(options: ServerOptions = {}): Promise<ChannelLinkServer> {
  const server = CLUSTER ? await testCluster(options) : await startServer({ port: 0, ...FAST_SERVER, ...options });
  onCleanup(() => server.close());
  return server;
}

export interface TestCluster extends ChannelLinkServer {
  readonly nodes: ChannelLinkServer[];
}

/**
 * Three nodes on the shared test Redis or Redis Cluster (their own key prefix), behind one facade: each read of
 * `url` or `port` names the next node, so the clients of a test land on different nodes; stats()
 * adds up the nodes; close() closes them all.
 */
export async function testCluster(options: ServerOptions = {}, count = 3): Promise<TestCluster> {
  const redisPrefix = options.redisPrefix ?? `it${randomBytes(4).toString('hex')}:`;
  const base: ServerOptions = { ...FAST_SERVER, nodeTtlMs: FAST_NODE_TTL_MS, ...options, ...redisTarget(), redisPrefix };
  const nodes: ChannelLinkServer[] = [];
  for (let i = 0; i < count; i++) nodes.push(await startServer({ ...base, port: i === 0 ? (options.port ?? 0) : 0 }));
  let next = 0;
  const pick = () => nodes[next++ % nodes.length]!;
  return {
    nodes,
    get url() {
      return pick().url;
    },
    get port() {
      return pick().port;
    },
    host: nodes[0]!.host,
    nodeId: nodes[0]!.nodeId,
    metricsUrl: null,
    stats() {
      const all = nodes.map((n) => n.stats());
      const sum = (k: 'sessions' | 'members' | 'channels' | 'sockets' | 'streams') => all.reduce((n, s) => n + s[k], 0);
      return { ...all[0]!, sessions: sum('sessions'), members: sum('members'), channels: sum('channels'), sockets: sum('sockets'), streams: sum('streams') };
    },
    async close() {
      await Promise.all(nodes.map((n) => n.close()));
    },
  };
}

export async function proxyTo(server: { port: number }, options: { frames?: boolean } = {}): Promise<FaultProxy> {
  const proxy = await startFaultProxy({ target: { host: '127.0.0.1', port: server.port }, ...options });
  onCleanup(() => proxy.close());
  return proxy;
}

export interface TestClient {
  client: ChannelClient;
  /** Free for a test to note the uid it joins as. */
  uid?: number;
  /** Every event the app saw, in order. */
  events: ChannelEvent[];
  peers(): PeerTable;
  /** Events of the given types, in order, as compact strings such as 'peer-leave 1 QUIT'. */
  log(...types: ChannelEvent['type'][]): string[];
  waitForEvent(predicate: (event: ChannelEvent) => boolean, timeoutMs?: number, message?: string): Promise<ChannelEvent>;
}

export function describeEvent(event: ChannelEvent): string {
  switch (event.type) {
    case 'connection-state-change':
      return `state ${event.prevState}->${event.curState} ${event.reason}`;
    case 'peer-online':
      return `peer-online ${event.uid}`;
    case 'peer-leave':
      return `peer-leave ${event.uid} ${event.reason}`;
    case 'stream-added':
      return `stream-added ${event.uid}`;
    case 'stream-removed':
      return `stream-removed ${event.uid} ${event.reason}`;
    case 'exception':
      return `exception ${event.code}`;
    default:
      return event.type;
  }
}

export function testClient(url: string | readonly string[], options: Partial<ClientOptions> = {}): TestClient {
  const client = createClient({ url, ...FAST_CLIENT, ...options });
  onCleanup(() => client.destroy());
  const events: ChannelEvent[] = [];
  let peers: PeerTable = new Map();
  client.events$.subscribe((event) => events.push(event));
  client.peers$.subscribe((table) => (peers = table));
  return {
    client,
    events,
    peers: () => peers,
    log: (...types) => events.filter((e) => types.length === 0 || types.includes(e.type)).map(describeEvent),
    async waitForEvent(predicate, timeoutMs = 5000, message = 'event') {
      let found: ChannelEvent | undefined;
      await waitFor(() => (found = events.find(predicate)) !== undefined, { timeoutMs, message });
      return found!;
    },
  };
}

/** Sorted uids of a peer table, for comparing against the truth. */
export const uidsOf = (table: PeerTable) => [...table.keys()].map(String).sort();
