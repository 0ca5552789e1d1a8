import net from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startFaultProxy } from './fault-proxy.js';
import type { FaultProxy } from './fault-proxy.js';
import { waitFor } from './wait-for.js';

// The proxy's faults are silent by design, so proving "nothing happened" needs
// a bounded negative wait. This is the only place a fixed delay is used.
const QUIET_MS = 300;
const quiet = () => new Promise((r) => setTimeout(r, QUIET_MS));

interface Peer {
  socket: Socket;
  data: string;
  ended: boolean;
  closed: boolean;
}
const track = (socket: Socket): Peer => {
  const peer: Peer = { socket, data: '', ended: false, closed: false };
  socket.setEncoding('utf8');
  socket.on('data', (d: string) => (peer.data += d));
  socket.on('end', () => (peer.ended = true));
  socket.on('close', () => (peer.closed = true));
  socket.on('error', () => {});
  return peer;
};

/** TCP server that echoes with an optional tag and records its peers. */
interface Target {
  port: number;
  peers: Peer[];
  close(): Promise<void>;
}
const cleanups: Array<() => Promise<unknown> | void> = [];
async function startTarget(tag = ''): Promise<Target> {
  const peers: Peer[] = [];
  const server = net.createServer((s) => {
    const peer = track(s);
    peers.push(peer);
    s.on('data', (d: string) => s.write(tag + d));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const t: Target = {
    port: (server.address() as AddressInfo).port,
    peers,
    // Resolves only once every accepted connection is gone: a handle-leak check.
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
  cleanups.push(() => {
    for (const p of peers) p.socket.destroy();
    return server.listening ? t.close() : undefined;
  });
  return t;
}
async function startProxy(target: Target): Promise<FaultProxy> {
  const proxy = await startFaultProxy({ target: { host: '127.0.0.1', port: target.port } });
  cleanups.push(() => proxy.close());
  return proxy;
}
async function connect(port: number): Promise<Peer> {
  const peer = track(net.connect(port, '127.0.0.1'));
  cleanups.push(() => void peer.socket.destroy());
  await new Promise<void>((resolve, reject) => {
    peer.socket.once('connect', resolve);
    peer.socket.once('error', reject);
  });
  return peer;
}
async function echoes(peer: Peer, msg: string): Promise<void> {
  const before = peer.data.length;
  peer.socket.write(msg);
  await waitFor(() => peer.data.slice(before).includes(msg), { message: `echo of ${msg}` });
}

afterEach(async () => {
  // Proxies and clients first (registered later), then targets.
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

describe('fault proxy', () => {
  it('forwards both ways in pass mode and exposes url()', async () => {
    const target = await startTarget();
    const proxy = await startProxy(target);
    expect(proxy.mode).toBe('pass');
    expect(proxy.url()).toBe(`ws://127.0.0.1:${proxy.port}`);
    expect(proxy.url('chan')).toBe(`ws://127.0.0.1:${proxy.port}/chan`);
    const c = await connect(proxy.port);
    await echoes(c, 'hello');
    expect(target.peers[0]!.data).toBe('hello');
    await waitFor(() => proxy.connections === 1);
    // Graceful close propagates.
    c.socket.end();
    await waitFor(() => target.peers[0]!.closed && proxy.connections === 0);
  });

  it("blackhole('both') keeps sockets open and discards bytes", async () => {
    const target = await startTarget();
    const proxy = await startProxy(target);
    const a = await connect(proxy.port);
    await echoes(a, 'warmup');
    proxy.blackhole();
    expect(proxy.mode).toBe('blackhole-both');
    a.socket.write('lost');
    const b = await connect(proxy.port); // new connections are accepted too
    b.socket.write('lost-too');
    await waitFor(() => target.peers.length === 2);
    target.peers[1]!.socket.write('down'); // server -> client also discarded
    await quiet();
    expect(a.data).toBe('warmup');
    expect(b.data).toBe('');
    expect(target.peers.map((p) => p.data)).toEqual(['warmup', '']);
    for (const p of [a, b, ...target.peers]) expect([p.ended, p.closed]).toEqual([false, false]);
    expect(proxy.bytesDiscarded).toEqual({ upstream: 12, downstream: 4 });
    expect(proxy.connections).toBe(2);
  });

  it("blackhole('upstream') discards only client -> server", async () => {
    const target = await startTarget();
    const proxy = await startProxy(target);
    const c = await connect(proxy.port);
    await waitFor(() => target.peers.length === 1);
    proxy.blackhole('upstream');
    c.socket.write('up');
    target.peers[0]!.socket.write('down');
    await waitFor(() => c.data === 'down');
    await quiet();
    expect(target.peers[0]!.data).toBe('');
    expect(proxy.bytesDiscarded).toEqual({ upstream: 2, downstream: 0 });
  });

  it("blackhole('downstream') discards only server -> client", async () => {
    const target = await startTarget();
    const proxy = await startProxy(target);
    const c = await connect(proxy.port);
    proxy.blackhole('downstream');
    c.socket.write('up');
    await waitFor(() => target.peers[0]?.data === 'up');
    await quiet();
    expect(c.data).toBe('');
    expect(proxy.bytesDiscarded).toEqual({ upstream: 0, downstream: 2 });
  });

  it('restore resumes clean links, destroys links that lost bytes, accepts new ones', async () => {
    const target = await startTarget();
    const proxy = await startProxy(target);
    const clean = await connect(proxy.port);
    const damaged = await connect(proxy.port);
    await waitFor(() => target.peers.length === 2);
    proxy.blackhole();
    damaged.socket.write('x');
    await waitFor(() => proxy.bytesDiscarded.upstream === 1);
    proxy.restore();
    expect(proxy.mode).toBe('pass');
    await waitFor(() => damaged.closed, { message: 'damaged link destroyed' });
    await echoes(clean, 'still-here');
    await echoes(await connect(proxy.port), 'fresh');
  });

  it('a close swallowed by a blackhole leaves the peer half-open until restore', async () => {
    const target = await startTarget();
    const proxy = await startProxy(target);
    const c = await connect(proxy.port);
    await waitFor(() => target.peers.length === 1);
    proxy.blackhole();
    c.socket.destroy();
    await quiet();
    expect(target.peers[0]!.closed).toBe(false);
    expect(proxy.connections).toBe(1);
    proxy.restore();
    await waitFor(() => target.peers[0]!.closed && proxy.connections === 0);
  });

  it('refuse closes new connections quickly; existing ones keep working', async () => {
    const target = await startTarget();
    const proxy = await startProxy(target);
    const existing = await connect(proxy.port);
    proxy.refuse();
    expect(proxy.mode).toBe('refuse');
    const refused = track(net.connect(proxy.port, '127.0.0.1'));
    cleanups.push(() => void refused.socket.destroy());
    await waitFor(() => refused.closed, { timeoutMs: 1000, message: 'refused socket closed' });
    await echoes(existing, 'ok');
    expect(target.peers).toHaveLength(1);
    proxy.restore();
    await echoes(await connect(proxy.port), 'back');
  });

  it('drop destroys current connections on both sides, mode unchanged', async () => {
    const target = await startTarget();
    const proxy = await startProxy(target);
    const clients = [await connect(proxy.port), await connect(proxy.port)];
    await waitFor(() => target.peers.length === 2);
    proxy.drop();
    await waitFor(() => [...clients, ...target.peers].every((p) => p.closed));
    expect(proxy.connections).toBe(0);
    expect(proxy.mode).toBe('pass');
    await echoes(await connect(proxy.port), 'again');
  });

  it('setTarget retargets new connections only (object or function)', async () => {
    const a = await startTarget('A:');
    const b = await startTarget('B:');
    const proxy = await startProxy(a);
    const old = await connect(proxy.port);
    proxy.setTarget({ host: '127.0.0.1', port: b.port });
    const fresh = await connect(proxy.port);
    await echoes(old, 'm1');
    await echoes(fresh, 'm2');
    expect(old.data).toBe('A:m1');
    expect(fresh.data).toBe('B:m2');
    proxy.setTarget(() => ({ host: '127.0.0.1', port: a.port }));
    const third = await connect(proxy.port);
    await echoes(third, 'm3');
    expect(third.data).toBe('A:m3');
  });

  it('closes the client side when the target is down (no crash)', async () => {
    const target = await startTarget();
    const proxy = await startProxy(target);
    await target.close(); // nothing listens on target.port now
    const c = await connect(proxy.port);
    c.socket.write('anyone?');
    await waitFor(() => c.closed, { timeoutMs: 2000 });
    expect(proxy.connections).toBe(0);
  });

  it('close() destroys every socket and frees the port', async () => {
    const target = await startTarget();
    const proxy = await startFaultProxy({ target: { host: '127.0.0.1', port: target.port } });
    const clients = [await connect(proxy.port), await connect(proxy.port)];
    await waitFor(() => target.peers.length === 2);
    proxy.blackhole(); // even half-open links must go
    await proxy.close();
    await proxy.close(); // idempotent
    await waitFor(() => clients.every((c) => c.closed));
    // The target's close() only resolves when no connection is left.
    await target.close();
    const err = await new Promise<NodeJS.ErrnoException>((resolve) =>
      net.connect(proxy.port, '127.0.0.1').on('error', resolve),
    );
    expect(err.code).toBe('ECONNREFUSED');
  });
});

describe('shaping: delay and heartbeat drops', () => {
  it('delay(ms) holds bytes at least that long, and lowering it lets nothing overtake', async () => {
    const target = await startTarget();
    const proxy = await startProxy(target);
    const client = track(net.connect(proxy.port, '127.0.0.1'));
    cleanups.push(() => void client.socket.destroy());
    await new Promise((r) => client.socket.once('connect', r));
    proxy.delay(250, 'upstream');
    const sentAt = Date.now();
    client.socket.write('a');
    await waitFor(() => proxy.held === 1, { message: 'the proxy holds a' });
    proxy.delay(0);
    client.socket.write('b');
    await waitFor(() => client.data === 'ab', { message: 'both echoed, in order' });
    expect(Date.now() - sentAt).toBeGreaterThanOrEqual(245);
  });

  it('dropHeartbeats(rate) discards that share of heartbeat frames and nothing else', async () => {
    const { WebSocketServer, WebSocket } = await import('ws');
    const { encodeHeartbeat } = await import('../../src/heartbeat-frame.js');
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    cleanups.push(() => new Promise<void>((r) => wss.close(() => r())));
    await new Promise((r) => wss.once('listening', r));
    const got: string[] = [];
    wss.on('connection', (ws) => ws.on('message', (data, binary) => got.push(binary ? `hb ${(data as Buffer).length}` : String(data))));
    const proxy = await startFaultProxy({ target: { host: '127.0.0.1', port: (wss.address() as AddressInfo).port }, frames: true });
    cleanups.push(() => proxy.close());
    const ws = new WebSocket(proxy.url());
    cleanups.push(() => ws.terminate());
    await new Promise((r) => ws.once('open', r));
    proxy.dropHeartbeats(1, 'upstream');
    for (let i = 0; i < 3; i++) ws.send(encodeHeartbeat(i));
    ws.send('x');
    ws.send('y'.repeat(70_000)); // a long frame, split over many chunks
    await waitFor(() => got.length === 2, { message: 'the text frames arrive' });
    expect(got[0]).toBe('x');
    expect(got[1]).toHaveLength(70_000);
    expect(proxy.heartbeatsDropped.upstream).toBe(3);
    proxy.dropHeartbeats(0);
    ws.send(encodeHeartbeat(9));
    await waitFor(() => got.length === 3, { message: 'a heartbeat passes again' });
    expect(got[2]).toBe('hb 9');
  });
});
