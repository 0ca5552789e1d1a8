/** The main-thread client over an inline engine host, with the fake WebSocket env on virtual time. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createClientWith, type ChannelClient } from '../../src/client.js';
import { inlineHostFromApi } from '../../src/host-inline.js';
import { PROTOCOL_VERSION, type ClientFrame } from '../../src/protocol.js';
import type { ChannelEvent, ConnectionState, PeerTable } from '../../src/types.js';
import { createWorkerApi } from '../../worker/api.js';
import { TEST_OPTIONS, createFakeEnv, flushMicrotasks, type FakeSocket } from './fakes.js';

/** `delayBatches`: event batches arrive a task after the replies, as they may over a MessagePort. */
function setup(delayBatches = false) {
  const { env, ws, online } = createFakeEnv();
  const client = createClientWith(
    () => (options, callbacks) =>
      inlineHostFromApi(createWorkerApi(env), options, {
        onBatch: (batch) => (delayBatches ? setTimeout(() => callbacks.onBatch(batch), 0) : callbacks.onBatch(batch)),
        onFailure: callbacks.onFailure,
      }),
    { ...TEST_OPTIONS, url: TEST_OPTIONS.urls, worker: 'inline' },
  );
  return { client, ws, online };
}

/** Waits (microtasks only) until the client has opened socket number `n`. */
async function socketNumber(ws: { instances: FakeSocket[] }, n: number): Promise<FakeSocket> {
  for (let i = 0; i < 20 && ws.instances.length < n; i++) await flushMicrotasks();
  const socket = ws.instances[n - 1];
  if (!socket) throw new Error(`socket ${n} was never created`);
  return socket;
}

async function lastFrameOfType<T extends ClientFrame['type']>(socket: FakeSocket, type: T): Promise<Extract<ClientFrame, { type: T }>> {
  for (let i = 0; i < 20; i++) {
    const frame = socket.sentFrames().findLast((f) => f.type === type);
    if (frame) return frame as Extract<ClientFrame, { type: T }>;
    await flushMicrotasks();
  }
  throw new Error(`no ${type} frame was sent`);
}

function peersOf(client: ChannelClient): () => PeerTable {
  let latest: PeerTable = new Map();
  client.peers$.subscribe((table) => (latest = table));
  return () => latest;
}

async function joinClient(client: ChannelClient, ws: { instances: FakeSocket[] }) {
  const joining = client.join('tok', 'room-1', 1);
  const socket = await socketNumber(ws, 1);
  socket.open();
  socket.receiveFrame({
    type: 'joined',
    v: PROTOCOL_VERSION,
    uid: 1,
    sessionId: 'sess-1',
    resumed: false,
    peers: [
      { uid: 2, streams: ['cam'] },
      { uid: 'three', streams: [] },
    ],
    tokenExpiresAt: null,
    serverTime: Date.now(),
    role: 'host',
    channel: { hosts: 1, audience: 0 },
  });
  return { joining, socket };
}

describe('client over an inline engine', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_000_000 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('join resolves only once peers$ holds the snapshot peers and the state is CONNECTED', async () => {
    const t = setup();
    const peers = peersOf(t.client);
    const states: ConnectionState[] = [];
    t.client.connectionState$.subscribe((s) => states.push(s));
    const { joining } = await joinClient(t.client, t.ws);
    const atResolve = await joining.then((uid) => ({
      uid,
      state: t.client.getConnectionState(),
      peers: [...peers()].map(([uid, p]) => [uid, [...p.streams]]),
    }));
    expect(atResolve).toEqual({
      uid: 1,
      state: 'CONNECTED',
      peers: [
        [2, ['cam']],
        ['three', []],
      ],
    });
    expect(states).toEqual(['DISCONNECTED', 'CONNECTING', 'CONNECTED']);
  });

  it('join waits for event batches that arrive after its reply', async () => {
    const t = setup(true);
    const peers = peersOf(t.client);
    const { joining } = await joinClient(t.client, t.ws);
    let resolved = false;
    const atResolve = joining.then(() => {
      resolved = true;
      return { state: t.client.getConnectionState(), peers: [...peers().keys()] };
    });
    await flushMicrotasks();
    expect(resolved).toBe(false);
    expect(t.client.getConnectionState()).toBe('DISCONNECTED');
    vi.advanceTimersByTime(0);
    expect(await atResolve).toEqual({ state: 'CONNECTED', peers: [2, 'three'] });
  });

  it("on('peer-online') and events$ receive the same events, in order", async () => {
    const t = setup();
    const viaOn: unknown[] = [];
    const viaStream: ChannelEvent[] = [];
    t.client.on('peer-online', (e) => viaOn.push(e));
    t.client.events$.subscribe((e) => viaStream.push(e));
    const changes: unknown[] = [];
    t.client.connectionStateChange$.subscribe((c) => changes.push(c));
    const { joining, socket } = await joinClient(t.client, t.ws);
    await joining;
    socket.receivePresence({ type: 'peer-online', uid: 9, attributes: {} });
    socket.receivePresence({ type: 'peer-online', uid: 9, attributes: {} });
    await flushMicrotasks();
    const online = viaStream.filter((e) => e.type === 'peer-online');
    expect(online).toEqual([
      { type: 'peer-online', uid: 2, attributes: {} },
      { type: 'peer-online', uid: 'three', attributes: {} },
      { type: 'peer-online', uid: 9, attributes: {} },
    ]);
    expect(viaOn).toEqual(online);
    expect(viaStream.slice(0, 3).map((e) => e.type)).toEqual(['connection-state-change', 'connection-state-change', 'connected']);
    expect(changes).toEqual([
      { curState: 'CONNECTING', prevState: 'DISCONNECTED', reason: 'JOIN' },
      { curState: 'CONNECTED', prevState: 'CONNECTING', reason: 'JOINED' },
    ]);
  });

  it('rejects invalid join arguments with INVALID_PARAMS, and join while connecting with INVALID_OPERATION', async () => {
    const t = setup();
    await expect(t.client.join(null, 'bad/channel', 1)).rejects.toMatchObject({ code: 'INVALID_PARAMS' });
    await expect(t.client.join('', 'room', 1)).rejects.toMatchObject({ code: 'INVALID_PARAMS' });
    await expect(t.client.publish()).rejects.toMatchObject({ code: 'INVALID_OPERATION' });
    expect(t.client.getConnectionState()).toBe('DISCONNECTED');
    const joining = t.client.join(null, 'room', 1);
    await socketNumber(t.ws, 1);
    await expect(t.client.join(null, 'room', 1)).rejects.toMatchObject({ code: 'INVALID_OPERATION' });
    void joining.catch(() => {});
  });

  it('destroy() completes events$, peers$ and connectionState$; later calls reject with CLOSED', async () => {
    const t = setup();
    const { joining, socket } = await joinClient(t.client, t.ws);
    await joining;
    const completed: string[] = [];
    t.client.events$.subscribe({ complete: () => completed.push('events$') });
    t.client.peers$.subscribe({ complete: () => completed.push('peers$') });
    t.client.connectionState$.subscribe({ complete: () => completed.push('connectionState$') });
    t.client.connectionStateChange$.subscribe({ complete: () => completed.push('connectionStateChange$') });

    const destroying = t.client.destroy();
    const leave = await lastFrameOfType(socket, 'leave');
    socket.receiveFrame({ type: 'ack', id: leave.id });
    await destroying;
    expect(completed.sort()).toEqual(['connectionState$', 'connectionStateChange$', 'events$', 'peers$']);
    expect(t.client.getConnectionState()).toBe('DISCONNECTED');
    expect(t.online.listenerCount).toBe(0);
    expect(vi.getTimerCount()).toBe(0);

    await expect(t.client.join(null, 'room-1', 1)).rejects.toMatchObject({ code: 'CLOSED' });
    await expect(t.client.leave()).rejects.toMatchObject({ code: 'CLOSED' });
    await expect(t.client.publish()).rejects.toMatchObject({ code: 'CLOSED' });
    await expect(t.client.getStats()).rejects.toMatchObject({ code: 'CLOSED' });
    // destroy() is idempotent.
    await expect(t.client.destroy()).resolves.toBeUndefined();
    expect(t.ws.instances).toHaveLength(1);
  });

  it('destroy() while a join is pending rejects that join and leaves nothing running', async () => {
    const t = setup();
    const joining = t.client.join(null, 'room-1', 1);
    const outcome = joining.then(
      () => null,
      (e: unknown) => e,
    );
    await socketNumber(t.ws, 1);
    await t.client.destroy();
    expect(await outcome).toMatchObject({ code: 'CLOSED' });
    expect(vi.getTimerCount()).toBe(0);
  });
});
