/**
 * The SDK's worker fed hostile frames by a fake server (after a valid `joined`): it reports an
 * `exception`, drops the socket and reconnects; it never crashes and stays usable.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { PROTOCOL_VERSION } from '../../src/protocol.js';
import { testClient, type TestClient } from '../integration/harness.js';
import { waitFor } from '../support/wait-for.js';
import { int, randomBytes, seeded } from './mutate.js';

/** A string goes as text, a Buffer as binary, `{ rawText }` as a text frame of unchecked bytes. */
type Junk = string | Buffer | { rawText: Buffer };

interface FakeServer {
  url: string;
  connections: number;
  /** Sent, in order, right after the `joined` of each new connection (one entry per connection). */
  afterJoined: (Junk | Junk[])[];
  close(): Promise<void>;
}

async function fakeServer(): Promise<FakeServer> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise((resolve) => wss.once('listening', resolve));
  const port = (wss.address() as { port: number }).port;
  const fake: FakeServer = {
    url: `ws://127.0.0.1:${port}`,
    connections: 0,
    afterJoined: [],
    close: () => new Promise<void>((resolve) => {
      for (const ws of wss.clients) ws.terminate();
      wss.close(() => resolve());
    }),
  };
  wss.on('connection', (ws: WebSocket) => {
    fake.connections++;
    ws.on('error', () => undefined);
    ws.on('message', (raw, isBinary) => {
      // The client's binary heartbeat (src/heartbeat-frame.ts) is echoed, as the real server does.
      if (isBinary) {
        if ((raw as Buffer)[0] === 0x80) ws.send(raw as Buffer);
        return;
      }
      const frame = JSON.parse(raw.toString()) as { type: string; id?: number; ts?: number; uid?: number | null };
      if (frame.type === 'join') {
        const joined = { type: 'joined', v: PROTOCOL_VERSION, uid: frame.uid ?? 1, sessionId: 'fake', resumed: false, peers: [], tokenExpiresAt: null, serverTime: Date.now(), role: 'host', channel: { hosts: 1, audience: 0 } };
        ws.send(JSON.stringify(joined));
        const junk = fake.afterJoined.shift();
        for (const item of junk === undefined ? [] : Array.isArray(junk) ? junk : [junk]) {
          if (typeof item === 'string' || Buffer.isBuffer(item)) ws.send(item, { binary: Buffer.isBuffer(item) });
          else ws.send(item.rawText, { binary: false });
        }
      } else if (frame.type === 'ping') {
        ws.send(JSON.stringify({ type: 'pong', ts: frame.ts, serverTime: Date.now() }));
      } else if (frame.id !== undefined) {
        ws.send(JSON.stringify({ type: 'ack', id: frame.id }));
      }
    });
  });
  return fake;
}

let fake: FakeServer | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

const states = (c: TestClient) => c.log('connection-state-change');
const exceptions = (c: TestClient) => c.events.filter((e) => e.type === 'exception');

const HOSTILE_TEXT: [string, string][] = [
  ['invalid JSON', '{"type":"peer-online",'],
  ['an unknown type', '{"type":"take-over","uid":1}'],
  ['wrong field types', '{"type":"peer-online","uid":{"x":1}}'],
  ['a huge number', '{"type":"peer-online","uid":1e999}'],
  ['a uid beyond 2^32', '{"type":"peer-leave","uid":4294967296,"reason":"QUIT"}'],
  ['deep nesting', '['.repeat(200_000) + ']'.repeat(200_000)],
  ['a __proto__ key', '{"type":"peer-online","uid":2,"__proto__":{"polluted":true}}'],
  ['an unknown error code', '{"type":"error","code":"PWNED","message":"x"}'],
  ['a 2 MB string', JSON.stringify({ type: 'kicked', reason: 'UID_BANNED', message: 'x'.repeat(2_000_000) })],
  ['a frame of the other direction', '{"type":"join","v":1,"appId":"a","channel":"c","uid":1,"token":null,"streams":[],"subscriptions":[]}'],
];

describe('hostile frames from the server', () => {
  test.each(HOSTILE_TEXT)('%s after joined: exception PROTOCOL_ERROR, then a reconnect; the worker stays alive', async (_name, junk) => {
    fake = await fakeServer();
    fake.afterJoined.push(junk);
    const c = testClient(fake.url);
    await c.client.join(null, 'hostile', 1);
    await c.waitForEvent((e) => e.type === 'exception', 3000);
    await waitFor(() => states(c).includes('state CONNECTING->CONNECTED RECONNECTED'), { timeoutMs: 5000, message: 'reconnected' });
    expect(exceptions(c)).toEqual([expect.objectContaining({ type: 'exception', code: 'PROTOCOL_ERROR' })]);
    expect(states(c)).toEqual([
      'state DISCONNECTED->CONNECTING JOIN',
      'state CONNECTING->CONNECTED JOINED',
      'state CONNECTED->CONNECTING NETWORK_ERROR',
      'state CONNECTING->CONNECTED RECONNECTED',
    ]);
    expect(fake.connections).toBe(2);
    expect(c.peers().size).toBe(0); // nothing hostile got into the peer table
    await c.client.publish(); // the worker answers and the link works
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  test('invalid UTF-8 in a text frame: the socket fails (1007 in ws), the client reconnects', async () => {
    fake = await fakeServer();
    fake.afterJoined.push({ rawText: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]) });
    const c = testClient(fake.url);
    await c.client.join(null, 'hostile', 1);
    await waitFor(() => states(c).includes('state CONNECTING->CONNECTED RECONNECTED'), { timeoutMs: 5000, message: 'reconnected' });
    expect(states(c)).toContain('state CONNECTED->CONNECTING NETWORK_ERROR');
    await c.client.publish();
  });

  test('binary junk after joined: exception, then the client drops that socket and reconnects', async () => {
    fake = await fakeServer();
    const rng = seeded(7);
    fake.afterJoined.push(Array.from({ length: 50 }, () => Buffer.from(randomBytes(rng, 40 + int(rng, 40)))));
    const c = testClient(fake.url);
    await c.client.join(null, 'hostile', 1);
    await waitFor(() => states(c).includes('state CONNECTING->CONNECTED RECONNECTED'), { timeoutMs: 5000, message: 'reconnected' });
    expect(exceptions(c).length).toBeGreaterThan(0);
    expect(exceptions(c).every((e) => e.type === 'exception' && e.code === 'PROTOCOL_ERROR')).toBe(true);
    expect(fake.connections).toBe(2);
    await c.client.publish();
    expect(c.client.getConnectionState()).toBe('CONNECTED');
  });

  test('a storm: 20 connections in a row, each fed 500 random and mutated frames; the worker recovers every time', async () => {
    fake = await fakeServer();
    const rng = seeded(42);
    const valid = ['{"type":"peer-online","uid":5}', '{"type":"stream-added","uid":5,"streamId":"s"}', '{"type":"pong","ts":1,"serverTime":2}'];
    for (let n = 0; n < 20; n++) {
      fake.afterJoined.push(
        Array.from({ length: 500 }, (_, i) => {
          if (i % 3 === 0) return Buffer.from(randomBytes(rng, 64));
          const base = valid[int(rng, valid.length)]!;
          const at = int(rng, base.length);
          return base.slice(0, at) + String.fromCharCode(int(rng, 128)) + base.slice(at + 1);
        }),
      );
    }
    const c = testClient(fake.url, { reconnect: { initialDelayMs: 20, maxDelayMs: 50, giveUpAfterMs: 60_000 } });
    await c.client.join(null, 'storm', 1);
    await waitFor(() => fake!.afterJoined.length === 0 && c.client.getConnectionState() === 'CONNECTED', { timeoutMs: 20_000, message: 'all 20 storms served' });
    await c.client.publish();
    expect(exceptions(c).length).toBeGreaterThanOrEqual(20); // at least one per poisoned connection
    expect(exceptions(c).some((e) => e.type === 'exception' && e.code === 'WORKER_FAILED')).toBe(false);
    expect(c.client.getConnectionState()).toBe('CONNECTED');
  }, 30_000);
});
