/** docs/behaviour.md, Stream data across an outage, in parts, on virtual time: the server's stream buffer, the publisher's outbox, the subscriber's numbering. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { EngineOutput } from '../../src/boundary.js';
import { PROTOCOL_VERSION, decodeDataHeader, encodeServerData, type ServerFrame } from '../../src/protocol.js';
import type { ChannelEvent } from '../../src/types.js';
import { StreamBuffer } from '../../server/stream-buffer.js';
import { Engine } from '../../worker/engine.js';
import { Outbox } from '../../worker/outbox.js';
import { TEST_OPTIONS, createFakeEnv, flushMicrotasks, type FakeSocket } from './fakes.js';

const bytes = (n: number) => new Uint8Array(n);
const seqsOf = (r: { messages: { seq: number }[] }) => r.messages.map((m) => m.seq);

describe('StreamBuffer (server)', () => {
  it('keeps the messages after a position, within age, count and byte bounds', () => {
    const buffer = new StreamBuffer({ windowMs: 1000, maxMessages: 3, maxBytes: 1000 });
    for (let seq = 1; seq <= 5; seq++) buffer.append({ epoch: 7, seq, frame: bytes(10) }, seq * 100);
    expect(buffer.size).toBe(3);
    expect(seqsOf(buffer.after(7, 0, 500))).toEqual([3, 4, 5]);
    expect(buffer.after(7, 4, 500)).toMatchObject({ epoch: 7, from: 5, to: 5 });
    // The position is past what is kept: `from` says where the replay starts (the client sees the gap).
    expect(buffer.after(7, 1, 500)).toMatchObject({ from: 3, to: 5 });
    // Older than the window: gone, but the newest seq stays known.
    expect(buffer.after(7, 2, 1450)).toMatchObject({ from: 5, to: 5 });
    expect(buffer.after(7, 2, 5000)).toMatchObject({ from: 6, to: 5, messages: [] });
  });

  it('bounds bytes, and starts afresh for a new epoch', () => {
    const buffer = new StreamBuffer({ windowMs: 10_000, maxMessages: 100, maxBytes: 25 });
    for (let seq = 1; seq <= 4; seq++) buffer.append({ epoch: 1, seq, frame: bytes(10) }, 0);
    expect(buffer.sizeBytes).toBeLessThanOrEqual(25);
    expect(seqsOf(buffer.after(1, 0, 0))).toEqual([3, 4]);
    buffer.append({ epoch: 2, seq: 1, frame: bytes(10) }, 0);
    expect(buffer.last).toEqual({ epoch: 2, seq: 1 });
    // A subscriber still on epoch 1 gets all of epoch 2.
    expect(buffer.after(1, 4, 0)).toMatchObject({ epoch: 2, from: 1, to: 1 });
  });
});

describe('Outbox (publisher)', () => {
  const make = (windowMs = 1000, maxBytes = 1 << 20, maxMessages = 1000) =>
    new Outbox('s1', 5, { windowMs: () => windowMs, maxBytes, maxMessages }, () => 6);
  const seqOf = (frame: Uint8Array) => decodeDataHeader(frame).seq;

  it('numbers messages from 1 in its epoch and resends what the server lacks', () => {
    const outbox = make();
    const frames = [1, 2, 3, 4].map((n) => outbox.take(`m${n}`, n));
    expect(frames.map((f) => decodeDataHeader(f))).toMatchObject([1, 2, 3, 4].map((seq) => ({ streamId: 's1', epoch: 5, seq })));
    const { resend, lost } = outbox.resume({ epoch: 5, seq: 2 }, 10);
    expect(resend.map(seqOf)).toEqual([3, 4]);
    expect(lost).toBeNull();
    // The server lost everything of the stream: all of it again (subscribers drop what they had).
    expect(outbox.resume(null, 10).resend.map(seqOf)).toEqual([3, 4]);
  });

  it('reports what fell out of it before the server had it', () => {
    const outbox = make(1000, 1 << 20, 2);
    for (let n = 1; n <= 5; n++) outbox.take('x', n);
    expect(outbox.resume({ epoch: 5, seq: 1 }, 10)).toMatchObject({ lost: { from: 2, to: 3 } });
    const aged = make(100);
    aged.take('a', 0);
    aged.take('b', 50);
    expect(aged.resume({ epoch: 5, seq: 0 }, 500)).toEqual({ resend: [], lost: { from: 1, to: 2 } });
  });
});

describe('Engine: each message once, in order, gaps told', () => {
  beforeEach(() => void vi.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => void vi.useRealTimers());

  function setup() {
    const { env, ws } = createFakeEnv(() => 0.5);
    const output: EngineOutput[] = [];
    const engine = new Engine(env, TEST_OPTIONS, (item) => output.push(item));
    const messages = () => output.flatMap((o) => (o.kind === 'message' ? [Number(o.data)] : []));
    const events = (type: ChannelEvent['type']) => output.flatMap((o) => (o.kind === 'event' && o.event.type === type ? [o.event] : []));
    return { engine, ws, messages, events };
  }
  const joined = (extra: Partial<Extract<ServerFrame, { type: 'joined' }>> = {}): ServerFrame => ({
    type: 'joined',
    v: PROTOCOL_VERSION,
    uid: 1,
    sessionId: 'sess',
    resumed: false,
    peers: [{ uid: 2, streams: ['s2'] }],
    tokenExpiresAt: null,
    serverTime: 0,
    role: 'host',
    channel: { hosts: 1, audience: 0 },
    ...extra,
  });
  const data = (socket: FakeSocket, epoch: number, seq: number) =>
    socket.receive(encodeServerData(2, 's2', 1, epoch, seq, new TextEncoder().encode(String(seq))).slice().buffer);

  async function subscribed() {
    const t = setup();
    void t.engine.join(null, 'room', 1);
    const socket = t.ws.last();
    socket.open();
    socket.receiveFrame(joined());
    await flushMicrotasks();
    const subscribing = t.engine.subscribe(2, 's2');
    const request = socket.sentFrames().at(-1) as { id: number };
    socket.receiveFrame({ type: 'ack', id: request.id });
    await subscribing;
    return { ...t, socket };
  }

  it('drops a repeated message and reports a jump in the numbering as a gap', async () => {
    const t = await subscribed();
    for (const seq of [1, 2, 2, 3, 7, 8]) data(t.socket, 9, seq);
    expect(t.messages()).toEqual([1, 2, 3, 7, 8]);
    expect(t.events('stream-gap')).toEqual([{ type: 'stream-gap', uid: 2, streamId: 's2', from: 4, to: 6 }]);
  });

  it('resumes with its position; a replay that starts late is one gap, and connected says recovered: false', async () => {
    const t = await subscribed();
    for (const seq of [1, 2, 3]) data(t.socket, 9, seq);
    t.socket.serverClose(1006, 'lost');
    await vi.advanceTimersByTimeAsync(50);
    const next = t.ws.last();
    next.open();
    expect(next.sentFrames()[0]).toMatchObject({ type: 'join', subscriptions: [{ uid: 2, streamId: 's2', at: [9, 3] }] });
    next.receiveFrame(joined({ resumed: true, replay: [{ uid: 2, streamId: 's2', epoch: 9, from: 6, to: 7 }] }));
    data(next, 9, 6);
    data(next, 9, 7);
    expect(t.events('connected').at(-1)).toEqual({ type: 'connected', resumed: true, recovered: false });
    expect(t.events('stream-gap')).toEqual([{ type: 'stream-gap', uid: 2, streamId: 's2', from: 4, to: 5 }]);
    expect(t.messages()).toEqual([1, 2, 3, 6, 7]);
  });

  it('a publisher resends on rejoin what the server says it lacks, and keeps sends made while away', async () => {
    const t = setup();
    void t.engine.join(null, 'room', 1);
    const socket = t.ws.last();
    socket.open();
    socket.receiveFrame(joined({ peers: [] }));
    await flushMicrotasks();
    const publishing = t.engine.publish();
    socket.receiveFrame({ type: 'ack', id: (socket.sentFrames().at(-1) as { id: number }).id });
    const streamId = await publishing;
    for (const n of [1, 2, 3]) t.engine.send(streamId, `m${n}`);
    socket.serverClose(1006, 'lost');
    t.engine.send(streamId, 'm4'); // while away: kept
    await vi.advanceTimersByTimeAsync(50);
    const next = t.ws.last();
    next.open();
    const epoch = decodeDataHeader(socket.sentData().at(-1)!).epoch;
    next.receiveFrame(joined({ peers: [], resumed: true, published: [{ streamId, epoch, seq: 2 }] }));
    const resent = next.sentData().map((f) => decodeDataHeader(f).seq);
    expect(resent).toEqual([3, 4]);
    expect(t.events('connected').at(-1)).toEqual({ type: 'connected', resumed: true, recovered: true });
    expect(t.events('stream-gap')).toEqual([]);
  });
});
