/**
 * docs/behaviour.md, A join that cannot reach the server: a join that cannot reach it keeps trying within
 * joinTimeoutMs; when it gives up, the error code and the state-change reason agree, the error's
 * message and cause name the last failure, and each failed attempt reached the app as a
 * `connection-attempt-failed` event. Engine + Link on virtual time, against the fake WebSocket.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ChannelLinkError } from '../../src/errors.js';
import type { EngineOutput } from '../../src/boundary.js';
import type { ChannelEventOf, EngineOptions } from '../../src/types.js';
import { Engine } from '../../worker/engine.js';
import { TEST_OPTIONS, caught, createFakeEnv, flushMicrotasks, type FakeWebSocketKit } from './fakes.js';

function setup(options: Partial<EngineOptions> = {}) {
  const { env, ws } = createFakeEnv();
  const output: EngineOutput[] = [];
  const engine = new Engine(env, { ...TEST_OPTIONS, ...options }, (item) => output.push(item));
  const events = () => output.flatMap((o) => (o.kind === 'event' ? [o.event] : []));
  const attempts = () => events().filter((e): e is ChannelEventOf<'connection-attempt-failed'> => e.type === 'connection-attempt-failed');
  const lastChange = () => events().filter((e) => e.type === 'connection-state-change').at(-1);
  return { engine, ws, events, attempts, lastChange };
}

/** Fails every socket that is still opening, the way the given host would. */
function failOpening(ws: FakeWebSocketKit, fail: (socket: FakeWebSocketKit['instances'][number]) => void): void {
  for (const socket of ws.instances) if (socket.readyState === 0) fail(socket);
}

/** Runs the clock to the join deadline, failing each attempt as it opens. */
async function runToDeadline(t: ReturnType<typeof setup>, fail: (socket: FakeWebSocketKit['instances'][number]) => void, joinTimeoutMs: number) {
  for (let elapsed = 0; elapsed < joinTimeoutMs; elapsed += 50) {
    failOpening(t.ws, fail);
    vi.advanceTimersByTime(50);
  }
  await flushMicrotasks();
}

const refused = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });

describe('a join that cannot reach the server', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_000_000 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('refused: keeps retrying until joinTimeoutMs, then TIMEOUT for both the error and the state reason, the error naming the refusal', async () => {
    const t = setup();
    const joining = t.engine.join(null, 'room-1', 1);
    const settled = vi.fn();
    joining.catch(settled);
    await runToDeadline(t, (s) => s.serverClose(1006, '', refused()), TEST_OPTIONS.joinTimeoutMs - 100);
    expect(settled).not.toHaveBeenCalled();
    expect(t.engine.state).toBe('CONNECTING');
    const tries = t.ws.instances.length;
    expect(tries).toBeGreaterThan(3);
    vi.advanceTimersByTime(100);

    const error = (await caught(() => joining)) as ChannelLinkError;
    expect(error).toBeInstanceOf(ChannelLinkError);
    expect(error.code).toBe('TIMEOUT');
    expect(error.message).toContain(`join did not complete within ${TEST_OPTIONS.joinTimeoutMs} ms`);
    expect(error.message).toContain('connection refused (connect ECONNREFUSED 127.0.0.1:1)');
    expect(error.message).toContain(TEST_OPTIONS.urls[0]);
    expect(error.cause).toMatchObject({ message: 'connect ECONNREFUSED 127.0.0.1:1', code: 'ECONNREFUSED' });
    expect(t.lastChange()).toEqual({ type: 'connection-state-change', curState: 'DISCONNECTED', prevState: 'CONNECTING', reason: 'TIMEOUT' });
    // Every failed attempt was visible to the app, numbered from 1.
    const attempts = t.attempts();
    expect(attempts.map((a) => a.attempt)).toEqual(Array.from({ length: tries }, (_, i) => i + 1));
    expect(attempts[0]).toEqual({
      type: 'connection-attempt-failed',
      attempt: 1,
      url: TEST_OPTIONS.urls[0],
      code: 'NETWORK_ERROR',
      message: 'connection refused (connect ECONNREFUSED 127.0.0.1:1)',
    });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a reconnect budget shorter than joinTimeoutMs ends the join the same way: TIMEOUT for both, naming the refusal', async () => {
    const t = setup({ reconnect: { initialDelayMs: 50, maxDelayMs: 100, giveUpAfterMs: 1000 } });
    const joining = t.engine.join(null, 'room-1', 1);
    await runToDeadline(t, (s) => s.serverClose(1006, '', refused()), 2000);
    const error = (await caught(() => joining)) as ChannelLinkError;
    expect(error.code).toBe('TIMEOUT');
    expect(error.message).toContain('connection refused');
    expect(t.lastChange()).toMatchObject({ curState: 'DISCONNECTED', reason: 'TIMEOUT' });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('black hole (nothing answers): TIMEOUT for both, naming the attempt deadline', async () => {
    const t = setup();
    const joining = t.engine.join(null, 'room-1', 1);
    const error = (await caught(async () => {
      vi.advanceTimersByTime(TEST_OPTIONS.joinTimeoutMs);
      await joining;
    })) as ChannelLinkError;
    expect(error.code).toBe('TIMEOUT');
    expect(error.message).toContain(`no answer within ${TEST_OPTIONS.connectionTimeoutMs} ms: the socket did not open`);
    expect(error.cause).toMatchObject({ name: 'TimeoutError' });
    expect(t.lastChange()).toMatchObject({ curState: 'DISCONNECTED', reason: 'TIMEOUT' });
    expect(t.attempts().length).toBeGreaterThan(1);
    expect(t.attempts().every((a) => a.code === 'TIMEOUT')).toBe(true);
  });

  it('a handshake the server never answers: TIMEOUT, naming the unanswered join', async () => {
    const t = setup({ joinTimeoutMs: TEST_OPTIONS.connectionTimeoutMs + 100 });
    const joining = t.engine.join(null, 'room-1', 1);
    t.ws.last().open();
    const error = (await caught(async () => {
      vi.advanceTimersByTime(TEST_OPTIONS.connectionTimeoutMs + 100);
      await joining;
    })) as ChannelLinkError;
    expect(error.code).toBe('TIMEOUT');
    expect(error.message).toContain(`no answer to the join within ${TEST_OPTIONS.connectionTimeoutMs} ms`);
    expect(t.lastChange()).toMatchObject({ reason: 'TIMEOUT' });
  });

  it('the last failure wins: refused at first, then a black hole -> TIMEOUT', async () => {
    const t = setup();
    const joining = t.engine.join(null, 'room-1', 1);
    t.ws.last().serverClose(1006, '', refused());
    // From now on attempts hang until their deadline.
    const error = (await caught(async () => {
      vi.advanceTimersByTime(TEST_OPTIONS.joinTimeoutMs);
      await joining;
    })) as ChannelLinkError;
    expect(t.attempts()[0]!.code).toBe('NETWORK_ERROR');
    expect(error.code).toBe('TIMEOUT');
    expect(t.lastChange()).toMatchObject({ reason: 'TIMEOUT' });
  });

  const hostReports: [string, () => Error | undefined, string][] = [
    ['DNS', () => Object.assign(new Error('getaddrinfo ENOTFOUND nowhere.invalid'), { code: 'ENOTFOUND' }), 'DNS lookup failed (getaddrinfo ENOTFOUND nowhere.invalid)'],
    [
      'TLS',
      () => Object.assign(new Error('self-signed certificate'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }),
      'TLS failure (self-signed certificate)',
    ],
    ['the HTTP status of the upgrade', () => new Error('Unexpected server response: 403'), 'the server answered the WebSocket upgrade with HTTP 403'],
    ['nothing (a browser)', () => undefined, 'the browser does not say why'],
  ];
  for (const [what, error, expected] of hostReports) {
    it(`names the failure the host reports: ${what}`, async () => {
      const t = setup();
      const joining = t.engine.join(null, 'room-1', 1);
      await runToDeadline(t, (s) => s.serverClose(1006, '', error()), TEST_OPTIONS.joinTimeoutMs);
      const rejected = (await caught(() => joining)) as ChannelLinkError;
      expect(rejected.code).toBe('TIMEOUT');
      expect(rejected.message).toContain(expected);
      expect(rejected.cause).toBeInstanceOf(Error);
      expect(t.attempts()[0]!.message).toContain(expected);
      expect(t.attempts()[0]!.code).toBe('NETWORK_ERROR');
      expect(t.lastChange()).toMatchObject({ reason: 'TIMEOUT' });
    });
  }

  it('a server that closes during the handshake: named with its close code and reason', async () => {
    const t = setup({ joinTimeoutMs: 200 });
    const joining = t.engine.join(null, 'room-1', 1);
    t.ws.last().open();
    t.ws.last().serverClose(4408, 'no join frame within 5000 ms');
    const error = (await caught(async () => {
      vi.advanceTimersByTime(200);
      await joining;
    })) as ChannelLinkError;
    expect(error.code).toBe('TIMEOUT');
    expect(error.message).toContain('the server closed the connection during the handshake (close 4408: no join frame within 5000 ms)');
  });

  it('failed reconnect attempts are reported too, numbered from 1 after each loss', async () => {
    const t = setup();
    const joining = t.engine.join(null, 'room-1', 1);
    t.ws.last().open();
    t.ws.last().receiveFrame({ type: 'joined', v: 1, uid: 1, sessionId: 's', resumed: false, peers: [], tokenExpiresAt: null, serverTime: Date.now(), role: 'host', channel: { hosts: 1, audience: 0 } });
    await joining;
    t.ws.last().serverClose(1006, '');
    for (let steps = 0; t.attempts().length < 3 && steps < 1000; steps++) {
      vi.advanceTimersByTime(50);
      failOpening(t.ws, (s) => s.serverClose(1006, '', refused()));
    }
    expect(t.attempts().map((a) => [a.attempt, a.code])).toEqual([
      [1, 'NETWORK_ERROR'],
      [2, 'NETWORK_ERROR'],
      [3, 'NETWORK_ERROR'],
    ]);
    expect(t.engine.state).toBe('CONNECTING');
  });
});
