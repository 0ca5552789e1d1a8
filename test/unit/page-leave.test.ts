/**
 * docs/behaviour.md, Leaving the page, on the main thread: with leaveOnPageHide (the default), a
 * `pagehide` makes the engine send its leave frame before the handler returns (the worker may be
 * torn down right after), and a `pageshow` from the back/forward cache joins again with the same
 * token (the renewed one), channel and uid. Client over an inline engine, the fake WebSocket, and
 * an EventTarget standing in for the window. Chromium: test/e2e/page-leave.test.ts.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createClientWith, type ChannelClient } from '../../src/client.js';
import { inlineHostFromApi } from '../../src/host-inline.js';
import { eventTargetPageLifecycle } from '../../src/page-leave.js';
import { PROTOCOL_VERSION, type ClientFrame } from '../../src/protocol.js';
import type { ConnectionState } from '../../src/types.js';
import { createWorkerApi } from '../../worker/api.js';
import { TEST_OPTIONS, createFakeEnv, flushMicrotasks, type FakeSocket } from './fakes.js';

function setup(leaveOnPageHide?: boolean) {
  const { env, ws } = createFakeEnv();
  const page = new EventTarget();
  const client = createClientWith(
    () => (options, callbacks) => inlineHostFromApi(createWorkerApi(env), options, callbacks),
    { ...TEST_OPTIONS, url: TEST_OPTIONS.urls, worker: 'inline', ...(leaveOnPageHide === undefined ? {} : { leaveOnPageHide }) },
    eventTargetPageLifecycle(page),
  );
  const states: string[] = [];
  client.connectionStateChange$.subscribe(({ curState, reason }) => states.push(`${curState} ${reason}`));
  const hide = () => page.dispatchEvent(Object.assign(new Event('pagehide'), { persisted: true }));
  const show = (persisted: boolean) => page.dispatchEvent(Object.assign(new Event('pageshow'), { persisted }));
  return { client, ws, states, hide, show };
}

async function socketNumber(ws: { instances: FakeSocket[] }, n: number): Promise<FakeSocket> {
  for (let i = 0; i < 50 && ws.instances.length < n; i++) await flushMicrotasks();
  const socket = ws.instances[n - 1];
  if (!socket) throw new Error(`socket ${n} was never created`);
  return socket;
}

/** Opens socket `n` and answers its join; returns the join frame it sent. */
async function completeJoin(ws: { instances: FakeSocket[] }, n: number, uid: number): Promise<ClientFrame> {
  const socket = await socketNumber(ws, n);
  socket.open();
  socket.receiveFrame({ type: 'joined', v: PROTOCOL_VERSION, uid, sessionId: `s${n}`, resumed: false, peers: [], tokenExpiresAt: null, serverTime: Date.now(), role: 'host', channel: { hosts: 1, audience: 0 } });
  return socket.sentFrames()[0]!;
}

/** Waits for the client's `type` request on `socket`, then acknowledges it. */
async function ack(socket: FakeSocket, type: ClientFrame['type']): Promise<void> {
  for (let i = 0; i < 50 && !socket.sentFrames().some((f) => f.type === type); i++) await flushMicrotasks();
  const frame = socket.sentFrames().findLast((f) => f.type === type);
  if (!frame || !('id' in frame)) throw new Error(`no ${type} request was sent`);
  socket.receiveFrame({ type: 'ack', id: frame.id });
}

async function untilState(client: ChannelClient, state: ConnectionState): Promise<void> {
  for (let i = 0; i < 50 && client.getConnectionState() !== state; i++) await flushMicrotasks();
  expect(client.getConnectionState()).toBe(state);
}

describe('leave on pagehide', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_000_000 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('pagehide sends the leave frame before the handler returns; pageshow from the back/forward cache joins again', async () => {
    const t = setup();
    const joining = t.client.join('tok-1', 'room-1', null);
    await completeJoin(t.ws, 1, 42);
    expect(await joining).toBe(42);
    const first = t.ws.instances[0]!;
    const renewing = t.client.renewToken('tok-2');
    await ack(first, 'renew-token');
    await renewing;

    t.hide();
    // Synchronously: nothing awaited between the event and the frame on the wire.
    expect(first.sentFrames().at(-1)!.type).toBe('leave');
    await ack(first, 'leave');
    await untilState(t.client, 'DISCONNECTED');
    expect(t.states.slice(-2)).toEqual(['DISCONNECTING LEAVE', 'DISCONNECTED LEAVE']);

    t.show(true);
    const join = await completeJoin(t.ws, 2, 42);
    // The same channel and the uid it had (the server assigned 42), with the renewed token.
    expect(join).toMatchObject({ type: 'join', channel: 'room-1', uid: 42, token: 'tok-2' });
    await untilState(t.client, 'CONNECTED');
    expect(t.states.slice(-2)).toEqual(['CONNECTING JOIN', 'CONNECTED JOINED']);
  });

  it('a page shown again without the back/forward cache, or hidden while not in a channel, does nothing', async () => {
    const t = setup();
    t.hide();
    t.show(true);
    await flushMicrotasks();
    expect(t.ws.instances).toHaveLength(0);

    const joining = t.client.join(null, 'room-1', 1);
    await completeJoin(t.ws, 1, 1);
    await joining;
    t.hide();
    t.show(false); // a plain load: the client of the old page is gone with it
    await vi.advanceTimersByTimeAsync(5000);
    expect(t.client.getConnectionState()).toBe('DISCONNECTED');
    expect(t.ws.instances).toHaveLength(1);
  });

  it("the app's own leave() is not undone by a later pagehide and pageshow", async () => {
    const t = setup();
    const joining = t.client.join(null, 'room-1', 1);
    await completeJoin(t.ws, 1, 1);
    await joining;
    const leaving = t.client.leave();
    await ack(t.ws.instances[0]!, 'leave');
    await leaving;
    t.hide();
    t.show(true);
    await flushMicrotasks();
    expect(t.ws.instances).toHaveLength(1);
  });

  it('leaveOnPageHide: false ignores pagehide', async () => {
    const t = setup(false);
    const joining = t.client.join(null, 'room-1', 1);
    await completeJoin(t.ws, 1, 1);
    await joining;
    t.hide();
    expect(t.ws.instances[0]!.sentFrames().map((f) => f.type)).not.toContain('leave');
    expect(t.client.getConnectionState()).toBe('CONNECTED');
  });
});
