/**
 * Close codes carry their meaning by range (docs/protocol.md, Close codes): a code of 4000-4499
 * makes the client reconnect and resume, a code of 4500-4999 ends the session, with no retry,
 * also for codes this client does not know. Engine + Link on virtual time, against the fake WebSocket.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { EngineOutput } from '../../src/boundary.js';
import { CloseCode } from '../../src/outcomes.js';
import { PROTOCOL_VERSION, type ServerFrame } from '../../src/protocol.js';
import { FIRST_RETRY_JITTER_MS } from '../../worker/backoff.js';
import { Engine } from '../../worker/engine.js';
import { TEST_OPTIONS, createFakeEnv } from './fakes.js';

const joined = (resumed: boolean): ServerFrame => ({ type: 'joined', v: PROTOCOL_VERSION, uid: 1, sessionId: 's1', resumed, peers: [], tokenExpiresAt: null, serverTime: 0, role: 'host', channel: { hosts: 1, audience: 0 } });

async function joinedEngine() {
  const { env, ws } = createFakeEnv();
  const output: EngineOutput[] = [];
  const engine = new Engine(env, TEST_OPTIONS, (item) => output.push(item));
  const joining = engine.join(null, 'room-1', 1);
  ws.last().open();
  ws.last().receiveFrame(joined(false));
  await joining;
  const changes = () => output.flatMap((o) => (o.kind === 'event' && o.event.type === 'connection-state-change' ? [`${o.event.curState} ${o.event.reason}`] : []));
  return { engine, ws, changes };
}

const RETRY = [CloseCode.CLIENT_RESET, CloseCode.PROTOCOL_ERROR, CloseCode.JOIN_TIMEOUT, CloseCode.RATE_LIMITED, CloseCode.SLOW_CONSUMER, CloseCode.SESSION_EXPIRED, CloseCode.SERVER_BUSY, 4123, 4499];
const STOP = [CloseCode.JOIN_REFUSED, CloseCode.INVALID_TOKEN, CloseCode.TOKEN_EXPIRED, CloseCode.UID_REPLACED, CloseCode.CHANNEL_FULL, CloseCode.SERVER_ENDED, 4500, 4777, 4999];

describe('close codes by range', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_000_000 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it.each(RETRY)('a joined session closed with %i reconnects and resumes', async (code) => {
    const t = await joinedEngine();
    t.ws.last().serverClose(code, 'retry me');
    expect(t.engine.state).toBe('CONNECTING');
    // The first retry after a loss goes at once, within a small jitter.
    await vi.advanceTimersByTimeAsync(FIRST_RETRY_JITTER_MS);
    expect(t.ws.instances.length).toBe(2);
    t.ws.last().open();
    const rejoin = t.ws.last().sentFrames()[0];
    expect(rejoin).toMatchObject({ type: 'join', sessionId: 's1' });
    t.ws.last().receiveFrame(joined(true));
    expect(t.engine.state).toBe('CONNECTED');
    expect(t.changes()).toEqual(['CONNECTING JOIN', 'CONNECTED JOINED', 'CONNECTING NETWORK_ERROR', 'CONNECTED RECONNECTED']);
  });

  it.each(STOP)('a joined session closed with %i ends: DISCONNECTED, no reconnect', async (code) => {
    const t = await joinedEngine();
    t.ws.last().serverClose(code, 'stop');
    expect(t.engine.state).toBe('DISCONNECTED');
    await vi.advanceTimersByTimeAsync(600_000);
    expect(t.ws.instances.length).toBe(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it.each(STOP)('a join answered by a close with %i alone rejects and does not retry', async (code) => {
    const { env, ws } = createFakeEnv();
    const engine = new Engine(env, TEST_OPTIONS, () => {});
    const joining = engine.join(null, 'room-1', 1);
    ws.last().open();
    ws.last().serverClose(code, 'no');
    await expect(joining).rejects.toMatchObject({ name: 'ChannelLinkError' });
    await vi.advanceTimersByTimeAsync(600_000);
    expect(ws.instances.length).toBe(1);
  });
});

describe('a server of another protocol version', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_000_000 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('refusing the join as an older server does (error frame, then its generic close) ends the join once, with its message', async () => {
    const { env, ws } = createFakeEnv();
    const engine = new Engine(env, TEST_OPTIONS, () => {});
    const joining = engine.join(null, 'room-1', 1);
    ws.last().open();
    ws.last().receiveFrame({ type: 'error', code: 'PROTOCOL_ERROR', message: `unsupported protocol version ${PROTOCOL_VERSION}, expected ${PROTOCOL_VERSION - 1}` });
    ws.last().serverClose(4400, 'unsupported protocol version');
    await expect(joining).rejects.toMatchObject({ code: 'PROTOCOL_ERROR', message: expect.stringContaining('unsupported protocol version') });
    expect(engine.state).toBe('DISCONNECTED');
    await vi.advanceTimersByTimeAsync(600_000);
    expect(ws.instances.length).toBe(1);
  });
});
