/**
 * One mapping from server verdicts to client outcomes, whichever way the verdict
 * arrives (an error frame, a `kicked` frame or the close code alone) and whether it ends the
 * handshake or a joined session: the same error code, state-change reason and
 * `token-privilege-did-expire`, and no reconnect. The expected rows are written out here, from
 * docs/api.md (Connection state reasons, Error codes) and the close codes of docs/protocol.md, rather than read from src/outcomes.ts, so the test checks
 * that table instead of restating it. Engine + Link on virtual time, against the fake WebSocket.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { EngineOutput } from '../../src/boundary.js';
import type { ErrorCode } from '../../src/errors.js';
import { PROTOCOL_VERSION, type ServerFrame } from '../../src/protocol.js';
import type { ConnectionChangeReason } from '../../src/types.js';
import type { KickReason } from '../../src/wire-words.js';
import { Engine } from '../../worker/engine.js';
import { TEST_OPTIONS, caught, createFakeEnv, flushMicrotasks } from './fakes.js';

interface Row {
  code: ErrorCode;
  /** The close code the server ends with: every outcome has its own, in the stop range. */
  closeCode: number;
  kicked: KickReason | null;
  reason: ConnectionChangeReason;
  didExpire: boolean;
}

const ROWS: Row[] = [
  { code: 'PROTOCOL_ERROR', closeCode: 4500, kicked: null, reason: 'SERVER_ERROR', didExpire: false },
  { code: 'INVALID_TOKEN', closeCode: 4501, kicked: 'INVALID_TOKEN', reason: 'INVALID_TOKEN', didExpire: false },
  { code: 'TOKEN_EXPIRED', closeCode: 4502, kicked: 'TOKEN_EXPIRE', reason: 'TOKEN_EXPIRE', didExpire: true },
  { code: 'INVALID_PARAMS', closeCode: 4506, kicked: null, reason: 'SERVER_ERROR', didExpire: false },
  { code: 'UID_CONFLICT', closeCode: 4509, kicked: 'UID_BANNED', reason: 'UID_BANNED', didExpire: false },
  { code: 'CHANNEL_FULL', closeCode: 4510, kicked: null, reason: 'SERVER_ERROR', didExpire: false },
];
/** A kick for a server-side failure: terminal too, but as an error frame it is a transient failure. */
const SERVER_ERROR_KICK: Row = { code: 'SERVER_ERROR', closeCode: 4511, kicked: 'SERVER_ERROR', reason: 'SERVER_ERROR', didExpire: false };

function setup() {
  const { env, ws } = createFakeEnv();
  const output: EngineOutput[] = [];
  const engine = new Engine(env, TEST_OPTIONS, (item) => output.push(item));
  const events = () => output.flatMap((o) => (o.kind === 'event' ? [o.event] : []));
  /** What the app heard at the end: did-expire (if any) and the last state change. */
  const outcome = () =>
    events()
      .filter((e) => e.type === 'token-privilege-did-expire' || (e.type === 'connection-state-change' && e.curState === 'DISCONNECTED'))
      .map((e) => (e.type === 'connection-state-change' ? `DISCONNECTED ${e.reason}` : e.type));
  return { engine, ws, outcome };
}

const expectedOutcome = (row: Row) => [...(row.didExpire ? ['token-privilege-did-expire'] : []), `DISCONNECTED ${row.reason}`];

type Delivery = { name: string; applies(row: Row): boolean; deliver(row: Row, socket: ReturnType<ReturnType<typeof setup>['ws']['last']>): void };

/** The three ways a verdict reaches the client. */
const DELIVERIES: Delivery[] = [
  {
    name: 'an error frame (then the close)',
    applies: (row) => row.code !== 'SERVER_ERROR',
    deliver: (row, socket) => {
      socket.receiveFrame({ type: 'error', code: row.code, message: `verdict ${row.code}` });
      socket.serverClose(row.closeCode, `verdict ${row.code}`);
    },
  },
  {
    name: 'a kicked frame (then the close)',
    applies: (row) => row.kicked !== null,
    deliver: (row, socket) => {
      socket.receiveFrame({ type: 'kicked', reason: row.kicked!, message: `verdict ${row.code}` });
      socket.serverClose(row.closeCode, `verdict ${row.code}`);
    },
  },
  {
    name: 'the close code alone',
    applies: () => true,
    deliver: (row, socket) => socket.serverClose(row.closeCode, `verdict ${row.code}`),
  },
];

const joinedFrame: ServerFrame = { type: 'joined', v: PROTOCOL_VERSION, uid: 1, sessionId: 's', resumed: false, peers: [], tokenExpiresAt: null, serverTime: 0, role: 'host', channel: { hosts: 1, audience: 0 } };

describe('server verdicts: one outcome per row, through every path', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_000_000 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  for (const row of [...ROWS, SERVER_ERROR_KICK]) {
    for (const delivery of DELIVERIES.filter((d) => d.applies(row))) {
      it(`${row.code} during the handshake, by ${delivery.name}: join rejects ${row.code}, ${expectedOutcome(row).join(', ')}, no retry`, async () => {
        const t = setup();
        const joining = t.engine.join('tok', 'room-1', 1);
        t.ws.last().open();
        delivery.deliver(row, t.ws.last());
        expect(await caught(() => joining)).toMatchObject({ code: row.code });
        expect(t.outcome()).toEqual(expectedOutcome(row));
        vi.advanceTimersByTime(600_000);
        expect(t.ws.instances).toHaveLength(1);
        expect(vi.getTimerCount()).toBe(0);
      });

      it(`${row.code} once joined, by ${delivery.name}: ${expectedOutcome(row).join(', ')}, pending requests reject ${row.code}, no reconnect`, async () => {
        const t = setup();
        const joining = t.engine.join('tok', 'room-1', 1);
        t.ws.last().open();
        t.ws.last().receiveFrame(joinedFrame);
        await joining;
        const publishing = t.engine.publish();
        delivery.deliver(row, t.ws.last());
        expect(await caught(() => publishing)).toMatchObject({ code: row.code });
        expect(t.outcome()).toEqual(expectedOutcome(row));
        vi.advanceTimersByTime(600_000);
        expect(t.ws.instances).toHaveLength(1);
        expect(vi.getTimerCount()).toBe(0);
      });
    }
  }

  it('a SERVER_ERROR error frame during the handshake is a transient failure: retried, join still pending', async () => {
    const t = setup();
    const joining = t.engine.join('tok', 'room-1', 1);
    const settled = vi.fn();
    joining.catch(settled);
    t.ws.last().open();
    t.ws.last().receiveFrame({ type: 'error', code: 'SERVER_ERROR', message: 'internal server error' });
    t.ws.last().serverClose(1011, 'internal server error');
    vi.advanceTimersByTime(TEST_OPTIONS.reconnect.initialDelayMs * 2);
    expect(t.ws.instances.length).toBe(2);
    await flushMicrotasks();
    expect(settled).not.toHaveBeenCalled();
    expect(t.engine.state).toBe('CONNECTING');
  });
});
