// Fault-injecting TCP proxy for integration/browser tests. Clients connect to
// the proxy (proxy.url()) instead of the server; the test then breaks the link
// in ways a real network does: silent half-open links, refused connects, resets.
//
// Directions: 'upstream' = client -> server, 'downstream' = server -> client.
//
// Semantics of blackhole and of restore after it (deliberate choices):
//  - blackhole(dir) silently discards bytes travelling in `dir` on existing AND
//    new connections. Nothing is closed or reset: each endpoint still sees an
//    open socket (a half-open link). A FIN/close/error arriving from a peer is
//    swallowed too when the direction towards the other peer is blackholed, so
//    the other side keeps a dangling open socket, as behind a dead NAT.
//  - restore()/pass() resumes flow on connections that are still open and lost
//    nothing. But TCP bytes discarded in between are gone for good, and a
//    WebSocket stream with a hole in it is corrupt (broken frame boundaries).
//    So every connection that had bytes (or a close) discarded in a direction
//    that flows again is DESTROYED on both sides at that moment; a real client
//    sees the socket close and is expected to reconnect. The same check runs
//    on every mode change (e.g. blackhole('both') -> blackhole('upstream')
//    destroys connections that lost downstream bytes).
//  - refuse() only affects new connections (accepted, then reset at once);
//    existing ones keep flowing (the lost-bytes check above still applies).
//  - drop() destroys every current connection (both sides); mode unchanged.
import net from 'node:net';
import type { AddressInfo, Socket } from 'node:net';

export type Direction = 'both' | 'upstream' | 'downstream';
export type FaultMode = 'pass' | 'refuse' | `blackhole-${Direction}`;
export interface Target {
  host: string;
  port: number;
}
export type TargetSpec = Target | (() => Target);

export interface FaultProxyOptions {
  target: TargetSpec;
  /** Default 0 (ephemeral). */
  listenPort?: number;
  /** Default '127.0.0.1'. */
  host?: string;
}

export interface FaultProxy {
  readonly port: number;
  readonly host: string;
  readonly mode: FaultMode;
  /** Open connection pairs (a pair counts while either side is still open). */
  readonly connections: number;
  /** Total bytes discarded per direction since start. */
  readonly bytesDiscarded: { readonly upstream: number; readonly downstream: number };
  /** `ws://HOST:PORT` + path (path gets a leading '/' if missing). */
  url(path?: string): string;
  pass(): void;
  blackhole(direction?: Direction): void;
  refuse(): void;
  drop(): void;
  /** Same as pass(); see the module comment for what happens to damaged links. */
  restore(): void;
  /** Affects new connections only. */
  setTarget(target: TargetSpec): void;
  close(): Promise<void>;
}

interface Pair {
  client: Socket;
  upstream: Socket;
  // A direction "lost" data (bytes or a close) while blackholed.
  lostUp: boolean;
  lostDown: boolean;
}

const closed = (s: Socket): Promise<void> =>
  s.closed ? Promise.resolve() : new Promise((resolve) => s.once('close', () => resolve()));

export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const host = options.host ?? '127.0.0.1';
  let target: TargetSpec = options.target;
  let mode: FaultMode = 'pass';
  const pairs = new Set<Pair>();
  const stray = new Set<Socket>(); // refused sockets until their close event
  const discarded = { upstream: 0, downstream: 0 };

  const blocks = (dir: 'upstream' | 'downstream'): boolean =>
    mode === 'blackhole-both' || mode === `blackhole-${dir}`;

  const destroyPair = (p: Pair): void => {
    p.client.destroy();
    p.upstream.destroy();
  };

  // Forward one direction, honouring the mode at the time each chunk arrives.
  const wire = (p: Pair, from: Socket, to: Socket, dir: 'upstream' | 'downstream'): void => {
    const markLost = (): void => {
      if (dir === 'upstream') p.lostUp = true;
      else p.lostDown = true;
    };
    from.on('data', (chunk: Buffer) => {
      if (blocks(dir)) {
        discarded[dir] += chunk.length;
        markLost();
        return;
      }
      if (!to.destroyed && !to.write(chunk)) {
        from.pause();
        to.once('drain', () => from.resume());
      }
    });
    // Errors are expected (ECONNRESET, ECONNREFUSED...): never let them throw.
    from.on('error', () => {});
    from.on('close', (hadError) => {
      if (blocks(dir)) {
        markLost(); // the peer never learns; it's cleaned up on restore/drop/close
      } else if (hadError) {
        to.destroy();
      } else if (!to.destroyed) {
        to.end(); // flush what was already forwarded, then FIN
      }
      if (p.client.closed && p.upstream.closed) pairs.delete(p);
    });
  };

  // Destroy links whose stream has a hole in a direction that flows again.
  const reconcile = (): void => {
    for (const p of pairs) {
      if ((p.lostUp && !blocks('upstream')) || (p.lostDown && !blocks('downstream'))) {
        destroyPair(p);
      }
    }
  };
  const setMode = (m: FaultMode): void => {
    mode = m;
    reconcile();
  };

  const server = net.createServer((client) => {
    client.on('error', () => {});
    if (mode === 'refuse') {
      stray.add(client);
      client.once('close', () => stray.delete(client));
      client.resetAndDestroy(); // RST, like a refused/killed endpoint
      return;
    }
    const t = typeof target === 'function' ? target() : target;
    const upstream = net.connect({ host: t.host, port: t.port });
    const p: Pair = { client, upstream, lostUp: false, lostDown: false };
    pairs.add(p);
    wire(p, client, upstream, 'upstream');
    wire(p, upstream, client, 'downstream');
  });
  server.on('error', () => {}); // listen errors surface through the promise below

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.listenPort ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  let closing: Promise<void> | undefined;

  return {
    port,
    host,
    get mode() {
      return mode;
    },
    get connections() {
      return pairs.size;
    },
    get bytesDiscarded() {
      return { ...discarded };
    },
    url(path = '') {
      const p = path === '' || path.startsWith('/') ? path : `/${path}`;
      return `ws://${host}:${port}${p}`;
    },
    pass: () => setMode('pass'),
    restore: () => setMode('pass'),
    blackhole: (direction: Direction = 'both') => setMode(`blackhole-${direction}`),
    refuse: () => setMode('refuse'),
    drop() {
      for (const p of pairs) destroyPair(p);
    },
    setTarget(next) {
      target = next;
    },
    close() {
      closing ??= (async () => {
        const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
        const sockets = [...stray, ...[...pairs].flatMap((p) => [p.client, p.upstream])];
        for (const s of sockets) s.destroy();
        await Promise.all([serverClosed, ...sockets.map(closed)]);
        pairs.clear();
      })();
      return closing;
    },
  };
}
