/** The engine against several servers and recovering servers, on virtual time with the fake socket. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { EngineOutput } from '../../src/boundary.js';
import { PROTOCOL_VERSION, type ServerFrame } from '../../src/protocol.js';
import type { ChannelEvent, EngineOptions } from '../../src/types.js';
import { Engine } from '../../worker/engine.js';
import { PresenceTable } from '../../worker/presence.js';
import { TEST_OPTIONS, createFakeEnv, type FakeSocket } from './fakes.js';

const URLS = ['ws://a.test', 'ws://b.test', 'ws://c.test'];

function setup(options: Partial<EngineOptions> = {}) {
  const { env, ws } = createFakeEnv(() => 0.5);
  const output: EngineOutput[] = [];
  const engine = new Engine(env, { ...TEST_OPTIONS, urls: URLS, ...options }, (item) => output.push(item));
  const events = () => output.flatMap((o) => (o.kind === 'event' ? [o.event] : []));
  const describe = (e: ChannelEvent) =>
    e.type === 'connection-state-change' ? `${e.prevState}>${e.curState} ${e.reason}` : 'uid' in e ? `${e.type} ${e.uid}${'streamId' in e ? ` ${e.streamId}` : ''}` : e.type;
  return { engine, ws, log: () => events().map(describe), clear: () => (output.length = 0) };
}

function joined(extra: Partial<Extract<ServerFrame, { type: 'joined' }>> = {}): ServerFrame {
  return { type: 'joined', v: PROTOCOL_VERSION, uid: 1, sessionId: 'sess-1', resumed: false, peers: [], tokenExpiresAt: null, serverTime: 0, role: 'host', channel: { hosts: 1, audience: 0 }, ...extra };
}

async function connect(t: ReturnType<typeof setup>, socket: FakeSocket, frame: ServerFrame = joined()): Promise<void> {
  socket.open();
  socket.receiveFrame(frame);
  await vi.advanceTimersByTimeAsync(0);
}

describe('several server URLs', () => {
  beforeEach(() => void vi.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => void vi.useRealTimers());

  it('tries the URLs in order when refused, with a quick try of each before backing off', async () => {
    const t = setup();
    void t.engine.join(null, 'room', 1).catch(() => {});
    expect(t.ws.instances.map((s) => s.url)).toEqual(['ws://a.test']);
    t.ws.last().serverClose(1006, 'refused');
    await vi.advanceTimersByTimeAsync(50); // within a round: the first-retry jitter only
    expect(t.ws.instances.map((s) => s.url)).toEqual(['ws://a.test', 'ws://b.test']);
    t.ws.last().serverClose(1006, 'refused');
    await vi.advanceTimersByTimeAsync(50);
    t.ws.last().serverClose(1006, 'refused');
    await vi.advanceTimersByTimeAsync(50);
    expect(t.ws.instances.map((s) => s.url)).toEqual(['ws://a.test', 'ws://b.test', 'ws://c.test', 'ws://a.test']);
    // The second round goes as quickly; when it has failed too, the backoff applies: a wait between
    // half the cap (initialDelayMs, 250 ms, while the outage is young) and the cap, at 0.5: 187.5 ms.
    for (let i = 0; i < 3; i++) {
      t.ws.last().serverClose(1006, 'refused');
      await vi.advanceTimersByTimeAsync(50);
    }
    expect(t.ws.instances.map((s) => s.url).slice(4)).toEqual(['ws://b.test', 'ws://c.test']);
    await vi.advanceTimersByTimeAsync(136);
    expect(t.ws.instances).toHaveLength(6);
    await vi.advanceTimersByTimeAsync(1);
    expect(t.ws.instances.at(-1)!.url).toBe('ws://a.test');
  });

  it('moves to the next URL when a joined link is lost, and resumes the session there', async () => {
    const t = setup();
    void t.engine.join(null, 'room', 1);
    await connect(t, t.ws.last());
    t.ws.last().serverClose(1006, 'gone');
    await vi.advanceTimersByTimeAsync(50);
    const next = t.ws.last();
    expect(next.url).toBe('ws://b.test');
    next.open();
    expect(next.sentFrames()[0]).toMatchObject({ type: 'join', sessionId: 'sess-1' });
  });

  it('server-closing: leaves that server at once for the next one', async () => {
    const t = setup();
    void t.engine.join(null, 'room', 1);
    await connect(t, t.ws.last());
    const first = t.ws.last();
    first.receiveFrame({ type: 'server-closing' });
    expect(first.closedByClient).not.toBeNull(); // no waiting for the server's close
    await vi.advanceTimersByTimeAsync(50);
    expect(t.ws.last().url).toBe('ws://b.test');
    await connect(t, t.ws.last(), joined({ resumed: true }));
    expect(t.log()).toEqual(['DISCONNECTED>CONNECTING JOIN', 'CONNECTING>CONNECTED JOINED', 'connected', 'CONNECTED>CONNECTING NETWORK_ERROR', 'CONNECTING>CONNECTED RECONNECTED', 'connected']);
  });
});

describe('a snapshot from a recovering server (holdMs)', () => {
  beforeEach(() => void vi.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => void vi.useRealTimers());

  it('holds back the leave of missing peers; those that come back cause no event, the rest leave when the hold ends', async () => {
    const t = setup({ urls: ['ws://a.test'] });
    void t.engine.join(null, 'room', 1);
    await connect(t, t.ws.last(), joined({ peers: [{ uid: 2, streams: ['s2'] }, { uid: 3, streams: ['s3'] }, { uid: 4, streams: ['s4', 's5'] }] }));
    t.ws.last().serverClose(1006, 'server restarted');
    await vi.advanceTimersByTimeAsync(50);
    t.clear();
    // The restarted server knows only uid 4 (without s5) so far.
    await connect(t, t.ws.last(), joined({ peers: [{ uid: 4, streams: ['s4'] }], holdMs: 1000 }));
    expect(t.log()).toEqual(['CONNECTING>CONNECTED RECONNECTED', 'connected']);
    // uid 2 comes back with its stream; uid 4 republishes s5.
    const socket = t.ws.last();
    socket.receivePresence({ type: 'peer-online', uid: 2 });
    socket.receivePresence({ type: 'stream-added', uid: 2, streamId: 's2' });
    socket.receivePresence({ type: 'stream-added', uid: 4, streamId: 's5' });
    await vi.advanceTimersByTimeAsync(999);
    expect(t.log()).toEqual(['CONNECTING>CONNECTED RECONNECTED', 'connected']);
    await vi.advanceTimersByTimeAsync(1);
    // uid 3 never came back: it leaves now, as a silent peer would.
    expect(t.log().slice(2)).toEqual(['stream-removed 3 s3', 'peer-leave 3']);
  });

  it('a snapshot without hold is the truth at once', () => {
    const table = new PresenceTable();
    table.applySnapshot([{ uid: 2, streams: ['s'] }]);
    expect(table.applySnapshot([], false).map((e) => e.type)).toEqual(['stream-removed', 'peer-leave']);
  });

  it('a peer back after the hold ended, or a stream it did not republish, is announced as a normal change', () => {
    const table = new PresenceTable();
    table.applySnapshot([{ uid: 2, streams: ['s1', 's2'] }]);
    expect(table.applySnapshot([], true)).toEqual([]);
    expect(table.peerOnline(2)).toEqual([]); // back in time: nothing
    expect(table.streamAdded(2, 's1')).toEqual([]);
    expect(table.endHold()).toEqual([{ type: 'stream-removed', uid: 2, streamId: 's2', reason: 'NO_DATA' }]);
    expect(table.peerLeave(2, 'QUIT').map((e) => e.type)).toEqual(['stream-removed', 'peer-leave']);
  });
});

describe('debug.simulateNetworkLoss', () => {
  beforeEach(() => void vi.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => void vi.useRealTimers());

  it('the link times out, attempts fail while the network is away, and it reconnects as soon as it is back', async () => {
    const t = setup({ urls: ['ws://a.test'], reconnect: { initialDelayMs: 250, maxDelayMs: 5000, giveUpAfterMs: 60_000 } });
    void t.engine.join(null, 'room', 1);
    await connect(t, t.ws.last());
    t.engine.simulateNetworkLoss(8000);
    await vi.advanceTimersByTimeAsync(TEST_OPTIONS.connectionTimeoutMs + 10);
    expect(t.log()).toContain('CONNECTED>CONNECTING TIMEOUT');
    await vi.advanceTimersByTimeAsync(3900); // attempts fail at once: no new socket while the network is away
    expect(t.ws.instances).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(100); // the loss ends: at once a new socket, not after the backoff
    expect(t.ws.instances).toHaveLength(2);
  });
});
