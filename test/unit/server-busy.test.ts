/**
 * docs/protocol.md, Close codes: a busy node defers a join with an error frame SERVER_BUSY that
 * carries `retryAfterMs`, then closes 4453 (retry range). The client reports the attempt and
 * tries again after the wait asked, not sooner, whether it was joining or
 * reconnecting, and never past its budget. Engine + Link on virtual time, against the fake WebSocket.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { EngineOutput } from '../../src/boundary.js';
import { ChannelLinkError } from '../../src/errors.js';
import { CloseCode, outcomeOfClose } from '../../src/outcomes.js';
import { PROTOCOL_VERSION, type ServerFrame } from '../../src/protocol.js';
import type { EngineOptions } from '../../src/types.js';
import { Engine } from '../../worker/engine.js';
import { TEST_OPTIONS, caught, createFakeEnv, type FakeSocket } from './fakes.js';

const joined = (resumed: boolean): ServerFrame => ({ type: 'joined', v: PROTOCOL_VERSION, uid: 1, sessionId: 's1', resumed, peers: [], tokenExpiresAt: null, serverTime: 0, role: 'host', channel: { hosts: 1, audience: 0 } });
const busy = (retryAfterMs: number): ServerFrame => ({ type: 'error', code: 'SERVER_BUSY', message: `server busy: try again in ${retryAfterMs} ms`, retryAfterMs });

function setup(options: Partial<EngineOptions> = {}) {
  const { env, ws } = createFakeEnv(() => 0);
  const output: EngineOutput[] = [];
  const engine = new Engine(env, { ...TEST_OPTIONS, ...options }, (item) => output.push(item));
  const events = () => output.flatMap((o) => (o.kind === 'event' ? [o.event] : []));
  return { engine, ws, events };
}

/** The server's side of a deferral: the frame, then the close. */
function defer(socket: FakeSocket, retryAfterMs: number): void {
  socket.receiveFrame(busy(retryAfterMs));
  socket.serverClose(CloseCode.SERVER_BUSY, `server busy: try again in ${retryAfterMs} ms`);
}

/** Joined, then the link lost: the first retry (after its jitter) is open and has sent its join. */
async function reconnecting(t: ReturnType<typeof setup>): Promise<void> {
  const joining = t.engine.join(null, 'room-1', 1);
  t.ws.last().open();
  t.ws.last().receiveFrame(joined(false));
  await joining;
  t.ws.last().serverClose(1006, '');
  await vi.advanceTimersByTimeAsync(50);
  t.ws.last().open();
}

describe('SERVER_BUSY', () => {
  beforeEach(() => void vi.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => void vi.useRealTimers());

  it('is a retry-range close that ends nothing', () => {
    expect(CloseCode.SERVER_BUSY).toBeGreaterThanOrEqual(4000);
    expect(CloseCode.SERVER_BUSY).toBeLessThanOrEqual(4499);
    expect(outcomeOfClose(CloseCode.SERVER_BUSY)).toBeUndefined();
  });

  it('a deferred join tries again after the wait asked, not sooner, and then joins', async () => {
    const t = setup();
    const joining = t.engine.join(null, 'room-1', 1);
    t.ws.last().open();
    defer(t.ws.last(), 1500);
    expect(t.engine.state).toBe('CONNECTING');
    expect(t.events().filter((e) => e.type === 'connection-attempt-failed')).toEqual([
      expect.objectContaining({ attempt: 1, code: 'NETWORK_ERROR', message: 'the server closed the connection during the handshake (close 4453: server busy: try again in 1500 ms)' }),
    ]);
    // The backoff alone would have tried at once (first retry): the hint holds it back.
    await vi.advanceTimersByTimeAsync(1499);
    expect(t.ws.instances).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(t.ws.instances).toHaveLength(2);
    t.ws.last().open();
    t.ws.last().receiveFrame(joined(false));
    await expect(joining).resolves.toBe(1);
  });

  it('a deferred resume waits as asked, then resumes the session it names', async () => {
    const t = setup();
    await reconnecting(t);
    expect(t.ws.last().sentFrames()[0]).toMatchObject({ type: 'join', sessionId: 's1' });
    defer(t.ws.last(), 800);
    await vi.advanceTimersByTimeAsync(799);
    expect(t.ws.instances).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(t.ws.instances).toHaveLength(3);
    t.ws.last().open();
    expect(t.ws.last().sentFrames()[0]).toMatchObject({ type: 'join', sessionId: 's1' });
    t.ws.last().receiveFrame(joined(true));
    expect(t.engine.state).toBe('CONNECTED');
  });

  it('a wait longer than what is left of the reconnect budget ends at the give-up time', async () => {
    const t = setup({ reconnect: { initialDelayMs: 250, maxDelayMs: 5000, giveUpAfterMs: 3000 } });
    await reconnecting(t);
    defer(t.ws.last(), 60_000);
    // Tried once more at the give-up time, not after a minute; that failing, the client gives up.
    await vi.advanceTimersByTimeAsync(2950);
    expect(t.ws.instances).toHaveLength(3);
    t.ws.last().serverClose(1006, '');
    expect(t.engine.state).toBe('DISCONNECTED');
    expect(t.events().at(-1)).toMatchObject({ type: 'connection-state-change', curState: 'DISCONNECTED', reason: 'NETWORK_ERROR' });
  });

  it('a join deferred past joinTimeoutMs gives up at the deadline, naming the busy server', async () => {
    const t = setup();
    const joining = t.engine.join(null, 'room-1', 1);
    const outcome = caught(() => joining);
    t.ws.last().open();
    defer(t.ws.last(), 60_000);
    await vi.advanceTimersByTimeAsync(TEST_OPTIONS.joinTimeoutMs);
    const error = (await outcome) as ChannelLinkError;
    expect(error.code).toBe('TIMEOUT');
    expect(error.message).toContain('server busy: try again in 60000 ms');
    expect(t.ws.instances).toHaveLength(1);
  });
});
