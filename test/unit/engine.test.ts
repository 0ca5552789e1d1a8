/** Engine + Link end to end on virtual time, against a fake WebSocket scripted by each test. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ChannelLinkError } from '../../src/errors.js';
import { PROTOCOL_VERSION, type ClientFrame, type JoinFrame, type ServerFrame } from '../../src/protocol.js';
import type { ConnectionStateChange, EngineOptions, Uid } from '../../src/types.js';
import type { EngineOutput } from '../../src/boundary.js';
import { Engine } from '../../worker/engine.js';
import type { PeerSnapshot } from '../../worker/presence.js';
import { TEST_OPTIONS, caught, createFakeEnv, flushMicrotasks, type FakeSocket } from './fakes.js';

function joined(uid: Uid, peers: PeerSnapshot[], extra: Partial<Extract<ServerFrame, { type: 'joined' }>> = {}): ServerFrame {
  return {
    type: 'joined',
    v: PROTOCOL_VERSION,
    uid,
    sessionId: 'sess-1',
    resumed: false,
    peers: peers.map((p) => ({ uid: p.uid, streams: [...p.streams] })),
    tokenExpiresAt: null,
    serverTime: Date.now(),
    role: 'host',
    channel: { hosts: 1, audience: 0 },
    ...extra,
  };
}

function setup(options: Partial<EngineOptions> = {}, random: () => number = () => 0.5) {
  const { env, ws, online } = createFakeEnv(random);
  const output: EngineOutput[] = [];
  const engine = new Engine(env, { ...TEST_OPTIONS, ...options }, (item) => output.push(item));
  const events = () => output.flatMap((o) => (o.kind === 'event' ? [o.event] : []));
  const changes = () =>
    events().flatMap((e): ConnectionStateChange[] =>
      e.type === 'connection-state-change' ? [{ curState: e.curState, prevState: e.prevState, reason: e.reason }] : [],
    );
  const clear = () => (output.length = 0);
  return { engine, ws, online, output, events, changes, clear };
}

type Setup = ReturnType<typeof setup>;

/** The last frame the client sent on `socket`. */
function lastSent(socket: FakeSocket): ClientFrame {
  const frames = socket.sentFrames();
  return frames[frames.length - 1]!;
}

/** The timestamp of the last heartbeat the client sent on `socket`. */
function lastHeartbeat(socket: FakeSocket): number {
  const sent = socket.sentHeartbeats();
  if (sent.length === 0) throw new Error('no heartbeat was sent');
  return sent[sent.length - 1]!;
}

/** Joins as uid 1 and completes the handshake with `peers` present. */
async function joinWith(t: Setup, peers: PeerSnapshot[] = []): Promise<FakeSocket> {
  const p = t.engine.join('tok', 'room-1', 1);
  const socket = t.ws.last();
  socket.open();
  socket.receiveFrame(joined(1, peers));
  await expect(p).resolves.toBe(1);
  return socket;
}

/** Answers the client's last request frame (which must carry an id) with an ack. */
function ackLast(socket: FakeSocket): ClientFrame {
  const frame = lastSent(socket);
  if (!('id' in frame)) throw new Error(`last frame ${frame.type} has no id`);
  socket.receiveFrame({ type: 'ack', id: frame.id });
  return frame;
}

describe('Engine + Link', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_000_000 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('join: CONNECTING(JOIN), join frame on open, then CONNECTED(JOINED), connected and the snapshot peers', async () => {
    const t = setup();
    const p = t.engine.join('tok', 'room-1', 1);
    let resolvedWith: Uid | undefined;
    void p.then((uid) => (resolvedWith = uid));
    expect(t.engine.state).toBe('CONNECTING');
    expect(t.changes()).toEqual([{ curState: 'CONNECTING', prevState: 'DISCONNECTED', reason: 'JOIN' }]);
    expect(t.ws.instances).toHaveLength(1);
    const socket = t.ws.last();
    expect(socket.url).toBe(TEST_OPTIONS.urls[0]);
    expect(socket.sent).toEqual([]);

    socket.open();
    const join = socket.sentFrames();
    expect(join).toEqual([
      {
        type: 'join',
        v: PROTOCOL_VERSION,
        appId: TEST_OPTIONS.appId,
        channel: 'room-1',
        uid: 1,
        token: 'tok',
        role: 'host',
        streams: [],
        subscriptions: [],
        attributes: {},
        heartbeatMs: TEST_OPTIONS.heartbeatIntervalMs,
      },
    ]);
    await flushMicrotasks();
    expect(resolvedWith).toBeUndefined();

    t.clear();
    socket.receiveFrame(joined(1, [{ uid: 2, streams: ['a', 'b'] }, { uid: 'three', streams: [] }]));
    expect(t.events()).toEqual([
      { type: 'connection-state-change', curState: 'CONNECTED', prevState: 'CONNECTING', reason: 'JOINED' },
      { type: 'connected', resumed: false, recovered: true },
      { type: 'peer-online', uid: 2, attributes: {} },
      { type: 'stream-added', uid: 2, streamId: 'a' },
      { type: 'stream-added', uid: 2, streamId: 'b' },
      { type: 'peer-online', uid: 'three', attributes: {} },
    ]);
    await expect(p).resolves.toBe(1);
    expect(t.engine.state).toBe('CONNECTED');
    // The heartbeat starts at once.
    expect(socket.sentHeartbeats()).toEqual([Date.now()]);
  });

  it('join with uid null resolves with the uid the server assigned', async () => {
    const t = setup();
    const p = t.engine.join(null, 'room-1', null);
    t.ws.last().open();
    expect(t.ws.last().sentFrames()[0]).toMatchObject({ uid: null, token: null });
    t.ws.last().receiveFrame(joined(77, []));
    await expect(p).resolves.toBe(77);
  });

  it('pongs keep the link up; silence for connectionTimeoutMs -> CONNECTING(TIMEOUT) and a new socket after the backoff', async () => {
    const t = setup({}, () => 0.5);
    const socket = await joinWith(t);
    // A responsive server: the link stays up for a minute.
    for (let i = 0; i < 60; i++) {
      socket.receiveHeartbeat(lastHeartbeat(socket));
      vi.advanceTimersByTime(1000);
    }
    expect(socket.sentHeartbeats()).toHaveLength(61);
    expect(t.engine.state).toBe('CONNECTED');
    expect(t.engine.stats().rttMs).toBe(0);
    socket.receiveHeartbeat(lastHeartbeat(socket));
    t.clear();

    // Now silence, from the last pong on.
    vi.advanceTimersByTime(3999);
    expect(t.engine.state).toBe('CONNECTED');
    vi.advanceTimersByTime(1);
    expect(t.changes()).toEqual([{ curState: 'CONNECTING', prevState: 'CONNECTED', reason: 'TIMEOUT' }]);
    expect(socket.closedByClient).not.toBeNull();
    expect(t.ws.instances).toHaveLength(1);
    // First retry: random 0.5 * min(50, 250) = 25 ms.
    vi.advanceTimersByTime(24);
    expect(t.ws.instances).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(t.ws.instances).toHaveLength(2);
  });

  it('a close from the server -> CONNECTING(NETWORK_ERROR) and a retry', async () => {
    const t = setup();
    const socket = await joinWith(t);
    t.clear();
    socket.serverClose(1006, 'connection reset');
    expect(t.changes()).toEqual([{ curState: 'CONNECTING', prevState: 'CONNECTED', reason: 'NETWORK_ERROR' }]);
    vi.advanceTimersByTime(50);
    expect(t.ws.instances).toHaveLength(2);
  });

  it('reconnect sends the sessionId and current streams; joined again -> CONNECTED(RECONNECTED) and exactly the snapshot diff', async () => {
    const t = setup();
    const socket = await joinWith(t, [
      { uid: 2, streams: ['a'] },
      { uid: 3, streams: [] },
    ]);
    const publishing = t.engine.publish();
    const publish = ackLast(socket);
    const streamId = await publishing;
    expect(publish).toEqual({ type: 'publish', id: expect.any(Number), streamId });

    socket.serverClose(1006, '');
    vi.advanceTimersByTime(50);
    const second = t.ws.last();
    expect(second).not.toBe(socket);
    second.open();
    const rejoin = second.sentFrames()[0] as JoinFrame;
    expect(rejoin).toMatchObject({ type: 'join', channel: 'room-1', uid: 1, token: 'tok', sessionId: 'sess-1', streams: [streamId] });

    t.clear();
    second.receiveFrame(
      joined(1, [
        { uid: 3, streams: [] },
        { uid: 4, streams: ['b'] },
      ], { resumed: true }),
    );
    expect(t.events()).toEqual([
      { type: 'connection-state-change', curState: 'CONNECTED', prevState: 'CONNECTING', reason: 'RECONNECTED' },
      { type: 'connected', resumed: true, recovered: true },
      { type: 'stream-removed', uid: 2, streamId: 'a', reason: 'PEER_LEFT' },
      { type: 'peer-leave', uid: 2, reason: 'SERVER_TIMEOUT' },
      { type: 'peer-online', uid: 4, attributes: {} },
      { type: 'stream-added', uid: 4, streamId: 'b' },
    ]);
    expect(t.engine.stats()).toMatchObject({ state: 'CONNECTED', peers: 2, reconnects: 1 });
  });

  it('incremental presence frames while connected become deduplicated events', async () => {
    const t = setup();
    const socket = await joinWith(t, [{ uid: 2, streams: [] }]);
    t.clear();
    socket.receivePresence({ type: 'peer-online', uid: 2, attributes: {} });
    socket.receivePresence({ type: 'peer-online', uid: 5, attributes: {} });
    socket.receivePresence({ type: 'stream-added', uid: 5, streamId: 'v' });
    socket.receivePresence({ type: 'stream-added', uid: 5, streamId: 'v' });
    socket.receivePresence({ type: 'peer-leave', uid: 5, reason: 'QUIT' });
    socket.receivePresence({ type: 'peer-leave', uid: 5, reason: 'QUIT' });
    expect(t.events()).toEqual([
      { type: 'peer-online', uid: 5, attributes: {} },
      { type: 'stream-added', uid: 5, streamId: 'v' },
      { type: 'stream-removed', uid: 5, streamId: 'v', reason: 'PEER_LEFT' },
      { type: 'peer-leave', uid: 5, reason: 'QUIT' },
    ]);
  });

  it('an online signal retries at once instead of waiting out the backoff', async () => {
    const t = setup({ reconnect: { initialDelayMs: 10_000, maxDelayMs: 20_000, giveUpAfterMs: 600_000 } }, () => 0.999);
    const socket = await joinWith(t);
    socket.serverClose(1006, '');
    vi.advanceTimersByTime(50); // first retry: < 50 ms
    expect(t.ws.instances).toHaveLength(2);
    t.ws.last().serverClose(1006, 'refused');
    // Attempt 1 would wait ~10 s: drawn between half the cap (initialDelayMs, while the outage is young) and the cap, at 0.999.
    vi.advanceTimersByTime(5000);
    expect(t.ws.instances).toHaveLength(2);
    t.online.fire();
    expect(t.ws.instances).toHaveLength(3);
    // An online signal while an attempt is in flight does not start another one.
    t.online.fire();
    expect(t.ws.instances).toHaveLength(3);
    t.ws.last().open();
    t.ws.last().receiveFrame(joined(1, []));
    expect(t.engine.state).toBe('CONNECTED');
  });

  it('gives up after reconnect.giveUpAfterMs -> DISCONNECTED(NETWORK_ERROR), nothing left running', async () => {
    const giveUpAfterMs = 30_000;
    const t = setup({ reconnect: { initialDelayMs: 250, maxDelayMs: 5000, giveUpAfterMs } });
    const socket = await joinWith(t);
    socket.serverClose(1006, '');
    t.clear();
    // Every attempt hangs (blackholed network).
    vi.advanceTimersByTime(giveUpAfterMs - 1);
    expect(t.engine.state).toBe('CONNECTING');
    const attempts = t.ws.instances.length;
    expect(attempts).toBeGreaterThan(5);
    vi.advanceTimersByTime(TEST_OPTIONS.connectionTimeoutMs + 1);
    expect(t.changes()).toEqual([{ curState: 'DISCONNECTED', prevState: 'CONNECTING', reason: 'NETWORK_ERROR' }]);
    expect(vi.getTimerCount()).toBe(0);
    const total = t.ws.instances.length;
    vi.advanceTimersByTime(600_000);
    expect(t.ws.instances).toHaveLength(total);
  });

  it('an INVALID_TOKEN error frame during the handshake rejects join and goes DISCONNECTED(INVALID_TOKEN)', async () => {
    const t = setup();
    const p = t.engine.join('bad', 'room-1', 1);
    t.ws.last().open();
    t.ws.last().receiveFrame({ type: 'error', code: 'INVALID_TOKEN', message: 'token rejected' });
    const error = (await caught(() => p)) as ChannelLinkError;
    expect(error.code).toBe('INVALID_TOKEN');
    expect(t.engine.state).toBe('DISCONNECTED');
    expect(t.changes().at(-1)).toEqual({ curState: 'DISCONNECTED', prevState: 'CONNECTING', reason: 'INVALID_TOKEN' });
    vi.advanceTimersByTime(60_000);
    expect(t.ws.instances).toHaveLength(1);
  });

  it('kicked UID_BANNED while connected -> DISCONNECTED(UID_BANNED) and no reconnect', async () => {
    const t = setup();
    const socket = await joinWith(t, [{ uid: 2, streams: [] }]);
    t.clear();
    socket.receiveFrame({ type: 'kicked', reason: 'UID_BANNED', message: 'joined elsewhere' });
    socket.serverClose(4509, 'replaced');
    expect(t.changes()).toEqual([{ curState: 'DISCONNECTED', prevState: 'CONNECTED', reason: 'UID_BANNED' }]);
    vi.advanceTimersByTime(600_000);
    expect(t.ws.instances).toHaveLength(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('token-will-expire and kicked TOKEN_EXPIRE -> token events and DISCONNECTED(TOKEN_EXPIRE)', async () => {
    const t = setup();
    const socket = await joinWith(t);
    t.clear();
    socket.receiveFrame({ type: 'token-will-expire', expiresAt: Date.now() + 30_000 });
    socket.receiveFrame({ type: 'kicked', reason: 'TOKEN_EXPIRE', message: 'expired' });
    expect(t.events()).toEqual([
      { type: 'token-privilege-will-expire' },
      { type: 'token-privilege-did-expire' },
      { type: 'connection-state-change', curState: 'DISCONNECTED', prevState: 'CONNECTED', reason: 'TOKEN_EXPIRE' },
    ]);
    vi.advanceTimersByTime(600_000);
    expect(t.ws.instances).toHaveLength(1);
  });

  it('a TOKEN_EXPIRED rejection on a reconnect handshake -> DISCONNECTED(TOKEN_EXPIRE), no more retries', async () => {
    const t = setup();
    const socket = await joinWith(t);
    socket.serverClose(1006, '');
    vi.advanceTimersByTime(50);
    t.ws.last().open();
    t.clear();
    t.ws.last().receiveFrame({ type: 'error', code: 'TOKEN_EXPIRED', message: 'expired' });
    expect(t.changes()).toEqual([{ curState: 'DISCONNECTED', prevState: 'CONNECTING', reason: 'TOKEN_EXPIRE' }]);
    vi.advanceTimersByTime(600_000);
    expect(t.ws.instances).toHaveLength(2);
  });

  it('a request answered by an error frame rejects with its code; unanswered ones time out', async () => {
    const t = setup();
    const socket = await joinWith(t);
    const publishing = t.engine.publish();
    const frame = lastSent(socket) as Extract<ClientFrame, { type: 'publish' }>;
    socket.receiveFrame({ type: 'error', id: frame.id, code: 'RATE_LIMITED', message: 'slow down' });
    await expect(publishing).rejects.toMatchObject({ code: 'RATE_LIMITED' });
    const renewing = t.engine.renewToken('tok-2');
    expect(lastSent(socket)).toEqual({ type: 'renew-token', id: expect.any(Number), token: 'tok-2' });
    // Keep the link alive while the request waits.
    for (let i = 0; i < 5; i++) {
      socket.receiveHeartbeat(lastHeartbeat(socket));
      vi.advanceTimersByTime(1000);
    }
    await expect(renewing).rejects.toMatchObject({ code: 'TIMEOUT' });
    expect(t.engine.state).toBe('CONNECTED');
  });

  it('leave: DISCONNECTING(LEAVE), sends leave, ack -> DISCONNECTED(LEAVE)', async () => {
    const t = setup();
    const socket = await joinWith(t);
    t.clear();
    const leaving = t.engine.leave();
    expect(t.changes()).toEqual([{ curState: 'DISCONNECTING', prevState: 'CONNECTED', reason: 'LEAVE' }]);
    const leave = lastSent(socket);
    expect(leave).toEqual({ type: 'leave', id: expect.any(Number) });
    await flushMicrotasks();
    expect(t.engine.state).toBe('DISCONNECTING');
    ackLast(socket);
    await leaving;
    expect(t.changes()).toEqual([
      { curState: 'DISCONNECTING', prevState: 'CONNECTED', reason: 'LEAVE' },
      { curState: 'DISCONNECTED', prevState: 'DISCONNECTING', reason: 'LEAVE' },
    ]);
    expect(socket.closedByClient).not.toBeNull();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('join while not DISCONNECTED rejects INVALID_OPERATION', async () => {
    const t = setup();
    void t.engine.join(null, 'room-1', 1).catch(() => {});
    expect(((await caught(() => t.engine.join(null, 'room-1', 1))) as ChannelLinkError).code).toBe('INVALID_OPERATION');
    t.ws.last().open();
    t.ws.last().receiveFrame(joined(1, []));
    expect(((await caught(() => t.engine.join(null, 'room-2', 2))) as ChannelLinkError).code).toBe('INVALID_OPERATION');
    expect(t.ws.instances).toHaveLength(1);
  });

  it('publish before join (and before the first join completes) rejects INVALID_OPERATION', async () => {
    const t = setup();
    expect(((await caught(() => t.engine.publish())) as ChannelLinkError).code).toBe('INVALID_OPERATION');
    void t.engine.join(null, 'room-1', 1).catch(() => {});
    expect(((await caught(() => t.engine.publish())) as ChannelLinkError).code).toBe('INVALID_OPERATION');
  });

  const invalid: [string, unknown, unknown, unknown][] = [
    ['channel too long', null, 'c'.repeat(65), 1],
    ['channel empty', null, '', 1],
    ['channel with /', null, 'room/1', 1],
    ['channel with a non-ASCII letter', null, 'räum', 1],
    ['channel not a string', null, 42, 1],
    ['uid -1', null, 'room', -1],
    ['uid 1.5', null, 'room', 1.5],
    ['uid 2**32', null, 'room', 2 ** 32],
    ['uid NaN', null, 'room', Number.NaN],
    ["uid ''", null, 'room', ''],
    ['uid of 256 chars', null, 'room', 'u'.repeat(256)],
    ['uid an object', null, 'room', {}],
    ["token ''", '', 'room', 1],
    ['token of 2048 chars', 't'.repeat(2048), 'room', 1],
    ['token a number', 5, 'room', 1],
  ];
  for (const [name, token, channel, uid] of invalid) {
    it(`join rejects INVALID_PARAMS: ${name}`, async () => {
      const t = setup();
      const error = await caught(() => t.engine.join(token, channel, uid));
      expect(error).toBeInstanceOf(ChannelLinkError);
      expect((error as ChannelLinkError).code).toBe('INVALID_PARAMS');
      expect(t.engine.state).toBe('DISCONNECTED');
      expect(t.ws.instances).toHaveLength(0);
      expect(t.output).toEqual([]);
    });
  }

  it('accepts the boundary values of the validation rules', async () => {
    const cases: [unknown, unknown, unknown][] = [
      ['t'.repeat(2047), 'c'.repeat(64), 2 ** 32 - 1],
      [null, 'a', 'u'.repeat(255)],
      [null, 'A-z 0 !#$%&()+-:;<=.>?@[]^_{|}~,', 0],
    ];
    for (const [token, channel, uid] of cases) {
      const t = setup();
      const p = t.engine.join(token, channel, uid);
      expect(t.engine.state).toBe('CONNECTING');
      await t.engine.dispose();
      await expect(p).rejects.toMatchObject({ code: 'CLOSED' });
    }
  });

  it('a malformed server frame -> exception PROTOCOL_ERROR and the link reconnects', async () => {
    const t = setup();
    const socket = await joinWith(t);
    t.clear();
    socket.receive('{"type":"peer-online","uid":-5}');
    expect(t.events()).toEqual([
      { type: 'exception', code: 'PROTOCOL_ERROR', message: expect.any(String) },
      { type: 'connection-state-change', curState: 'CONNECTING', prevState: 'CONNECTED', reason: 'NETWORK_ERROR' },
    ]);
    expect(socket.closedByClient).not.toBeNull();
    vi.advanceTimersByTime(50);
    expect(t.ws.instances).toHaveLength(2);
    t.ws.last().open();
    t.ws.last().receiveFrame(joined(1, []));
    expect(t.engine.state).toBe('CONNECTED');
  });

  it('the heartbeat echo gives the RTT; a malformed one is a protocol error like any bad frame', async () => {
    const t = setup();
    const socket = await joinWith(t);
    const sentAt = lastHeartbeat(socket);
    vi.advanceTimersByTime(30);
    socket.receiveHeartbeat(sentAt);
    expect(t.engine.stats().rttMs).toBe(30);
    t.clear();
    socket.receive(Uint8Array.of(0x80, 1, 2).buffer);
    expect(t.events()).toEqual([
      { type: 'exception', code: 'PROTOCOL_ERROR', message: expect.stringContaining('heartbeat') },
      { type: 'connection-state-change', curState: 'CONNECTING', prevState: 'CONNECTED', reason: 'NETWORK_ERROR' },
    ]);
    expect(socket.closedByClient).not.toBeNull();
  });

  it('dispose leaves no pending timers and unsubscribes the online source', async () => {
    const t = setup();
    expect(t.online.listenerCount).toBe(1);
    const socket = await joinWith(t, [{ uid: 2, streams: ['a'] }]);
    const publishing = t.engine.publish(); // never acked: dispose must settle it
    const publishError = publishing.then(
      () => null,
      (error: unknown) => error,
    );
    expect(vi.getTimerCount()).toBeGreaterThan(0);
    const disposing = t.engine.dispose();
    ackLast(socket); // the leave
    await disposing;
    expect(vi.getTimerCount()).toBe(0);
    expect(t.online.listenerCount).toBe(0);
    expect(t.engine.state).toBe('DISCONNECTED');
    expect(await publishError).toBeInstanceOf(ChannelLinkError);
    expect(((await caught(() => t.engine.join(null, 'room-1', 1))) as ChannelLinkError).code).toBe('CLOSED');
  });

  it('dispose while a leave gets no answer still ends with no timers', async () => {
    const t = setup();
    await joinWith(t);
    const disposing = t.engine.dispose();
    await vi.advanceTimersByTimeAsync(2000);
    await disposing;
    expect(t.engine.state).toBe('DISCONNECTED');
    expect(vi.getTimerCount()).toBe(0);
    expect(t.online.listenerCount).toBe(0);
  });

  it('dispose while reconnecting leaves no timers and no socket', async () => {
    const t = setup();
    const socket = await joinWith(t);
    socket.serverClose(1006, '');
    vi.advanceTimersByTime(50);
    const attempt = t.ws.last();
    await t.engine.dispose();
    expect(attempt.closedByClient).not.toBeNull();
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(600_000);
    expect(t.ws.instances).toHaveLength(2);
  });
});
