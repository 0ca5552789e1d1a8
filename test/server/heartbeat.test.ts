/**
 * The binary heartbeat (src/heartbeat-frame.ts): the server echoes it byte for byte, it keeps the
 * session alive like any frame, it is held to the control rate limit, and a malformed one or one
 * before the join refuses the join (4500) like any bad first frame.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { encodeHeartbeat } from '../../src/heartbeat-frame.js';
import { CloseCode } from '../../src/protocol.js';
import type { ChannelLinkServer, ServerOptions } from '../../server/index.js';
import { RawClient, TEST_TIMEOUTS, quietPeriod, startTestServer, uniqueChannel } from './raw-client.js';

let server: ChannelLinkServer | undefined;
const clients: RawClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.terminate();
  await server?.close();
  server = undefined;
});
const start = async (options: ServerOptions = {}): Promise<ChannelLinkServer> => (server = await startTestServer(options));
async function joined(url: string, channel: string, uid: number): Promise<RawClient> {
  const { client } = await RawClient.joined(url, { channel, uid });
  clients.push(client);
  return client;
}

describe('binary heartbeat', () => {
  it('is echoed byte for byte, so the client reads its round-trip time off its own timestamp', async () => {
    const s = await start();
    const a = await joined(s.url, uniqueChannel('hb'), 1);
    expect(await a.heartbeatEcho(12345.5)).toBe(12345.5);
    expect(await a.heartbeatEcho(Date.now())).toBeGreaterThan(0);
    expect(a.violations).toEqual([]);
    expect(a.frames.filter((f) => f.type === 'error')).toEqual([]);
    const { framesIn, framesOut } = s.stats().counters;
    expect(framesIn).toBeGreaterThanOrEqual(3); // the join and both heartbeats
    expect(framesOut).toBeGreaterThanOrEqual(3);
  });

  it('keeps a session alive: a member that only heartbeats outlives a silent one', async () => {
    const s = await start(TEST_TIMEOUTS);
    const channel = uniqueChannel('hb');
    const observer = await joined(s.url, channel, 1);
    const beating = await joined(s.url, channel, 2);
    await joined(s.url, channel, 3); // silent from now on
    const stopObserver = observer.heartbeat(100);
    let ts = 0;
    const beat = setInterval(() => beating.ws.send(encodeHeartbeat(++ts)), 100);
    try {
      // The silent member joined last, so it times out first of the two unless heartbeats count.
      await observer.waitFor(() => observer.events().some((f) => f.type === 'peer-leave' && f.uid === 3), 'the silent member to time out', 3000);
      expect(observer.events().filter((f) => f.type === 'peer-leave' && f.uid === 2)).toEqual([]);
      expect(beating.heartbeats.length).toBeGreaterThan(0);
    } finally {
      clearInterval(beat);
      stopObserver();
    }
  });

  it('a heartbeat of the wrong length is a bad frame: error PROTOCOL_ERROR, close 4400', async () => {
    const s = await start();
    const a = await joined(s.url, uniqueChannel('hb'), 1);
    a.sendRaw(Uint8Array.of(0x80, 1, 2, 3));
    expect(await a.next('error')).toMatchObject({ code: 'PROTOCOL_ERROR' });
    expect((await a.waitClosed()).code).toBe(CloseCode.PROTOCOL_ERROR);
    expect(s.stats().counters.protocolErrors).toBe(1);
  });

  it('a heartbeat before the join is a bad frame (the first frame must be join)', async () => {
    const s = await start();
    const a = await RawClient.connect(s.url);
    clients.push(a);
    a.sendRaw(encodeHeartbeat(1));
    expect(await a.next('error')).toMatchObject({ code: 'PROTOCOL_ERROR' });
    expect((await a.waitClosed()).code).toBe(CloseCode.JOIN_REFUSED);
    expect(a.heartbeats).toEqual([]);
  });

  it('counts against the control rate: a burst past controlBurst is dropped, with one error RATE_LIMITED', async () => {
    const s = await start({ controlRatePerSecond: 5, controlBurst: 20, rateLimitMaxDropped: 1000 });
    const a = await joined(s.url, uniqueChannel('hb'), 1); // the join took one token
    for (let i = 1; i <= 40; i++) a.ws.send(encodeHeartbeat(i));
    await a.waitFor(() => a.frames.some((f) => f.type === 'error' && f.code === 'RATE_LIMITED'), 'the RATE_LIMITED error');
    await quietPeriod(100);
    expect(a.heartbeats.length).toBeGreaterThanOrEqual(19);
    expect(a.heartbeats.length).toBeLessThanOrEqual(21);
    expect(a.closeInfo).toBeNull();
    expect(s.stats().counters.framesDropped).toBeGreaterThanOrEqual(19);
  });
});
