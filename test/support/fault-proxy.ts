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
//
// Shaping (a slow or lossy link that stays open):
//  - delay(ms, dir) holds every byte travelling in `dir` for `ms` (order kept: lowering the
//    delay never lets new bytes overtake held ones); delay(0) ends it.
//  - dropHeartbeats(rate, dir) discards that share of the channel-link heartbeat frames (and
//    nothing else) in `dir`. The proxy then reads WebSocket frame boundaries, so it needs
//    `{ frames: true }` at start: a connection is parsed from its first byte.
import net from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { FrameSplitter, isHeartbeatUnit } from './ws-frames.js';

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
  /** Parse WebSocket frames, so dropHeartbeats() can discard whole frames. Default false. */
  frames?: boolean;
  /** The draw of dropHeartbeats() (default Math.random). */
  random?: () => number;
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
  /** Every byte in `direction` (default both) is held `ms` from now on; 0 ends it. */
  delay(ms: number, direction?: Direction): void;
  /** Discards this share (0..1) of the heartbeat frames in `direction` (default both); needs `{ frames: true }`. */
  dropHeartbeats(rate: number, direction?: Direction): void;
  /** Chunks held by delay() now, all connections and directions. */
  readonly held: number;
  /** Heartbeat frames discarded by dropHeartbeats(), per direction. */
  readonly heartbeatsDropped: { readonly upstream: number; readonly downstream: number };
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
  const delayMs = { upstream: 0, downstream: 0 };
  const dropRate = { upstream: 0, downstream: 0 };
  const dropped = { upstream: 0, downstream: 0 };
  let heldNow = 0;
  const random = options.random ?? Math.random;
  const directions = (direction: Direction): ('upstream' | 'downstream')[] => (direction === 'both' ? ['upstream', 'downstream'] : [direction]);

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
    const write = (chunk: Buffer): void => {
      if (!to.destroyed && !to.write(chunk)) {
        from.pause();
        to.once('drain', () => from.resume());
      }
    };
    // Held bytes, each with the time it may go: a FIFO, so order is kept whatever the delay.
    const held: { at: number; run: () => void }[] = [];
    let timer: NodeJS.Timeout | null = null;
    const drain = (): void => {
      timer = null;
      while (held.length > 0 && held[0]!.at <= Date.now()) {
        heldNow--;
        held.shift()!.run();
      }
      if (held.length > 0) timer = setTimeout(drain, held[0]!.at - Date.now());
    };
    const later = (run: () => void): void => {
      if (held.length === 0 && delayMs[dir] === 0) return run();
      held.push({ at: Math.max(Date.now() + delayMs[dir], held.at(-1)?.at ?? 0), run });
      heldNow++;
      timer ??= setTimeout(drain, Math.max(0, held[0]!.at - Date.now()));
    };
    const splitter = options.frames ? new FrameSplitter() : null;
    from.on('data', (chunk: Buffer) => {
      if (blocks(dir)) {
        discarded[dir] += chunk.length;
        markLost();
        return;
      }
      const units = splitter ? splitter.push(chunk) : [chunk];
      for (const unit of units) {
        if (dropRate[dir] > 0 && isHeartbeatUnit(unit) && random() < dropRate[dir]) {
          dropped[dir]++;
          continue;
        }
        later(() => write(unit));
      }
    });
    // Errors are expected (ECONNRESET, ECONNREFUSED...): never let them throw.
    from.on('error', () => {});
    from.on('close', (hadError) => {
      if (blocks(dir)) {
        markLost(); // the peer never learns; it's cleaned up on restore/drop/close
      } else if (hadError) {
        later(() => to.destroy());
      } else {
        later(() => !to.destroyed && to.end()); // flush what was already forwarded, then FIN
      }
      if (p.client.closed && p.upstream.closed) pairs.delete(p);
    });
    // A destroyed pair sends nothing more.
    to.once('close', () => {
      if (timer) clearTimeout(timer);
      timer = null;
      heldNow -= held.length;
      held.length = 0;
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
    delay(ms, direction = 'both') {
      for (const dir of directions(direction)) delayMs[dir] = Math.max(0, ms);
    },
    dropHeartbeats(rate, direction = 'both') {
      if (rate > 0 && !options.frames) throw new Error('dropHeartbeats() needs startFaultProxy({ frames: true })');
      for (const dir of directions(direction)) dropRate[dir] = rate;
    },
    get held() {
      return heldNow;
    },
    get heartbeatsDropped() {
      return { ...dropped };
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
