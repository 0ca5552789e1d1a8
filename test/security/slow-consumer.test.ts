/**
 * A subscriber that stops reading (its socket paused: the kernel buffers fill, then the server's
 * send buffer grows) is disconnected with 4430 once its queue passes maxBufferedBytes, instead of
 * growing the server's memory; the publisher and a reading subscriber carry on.
 */
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { CloseCode } from '../../src/protocol.js';
import type { ChannelLinkServer } from '../../server/index.js';
import { RawClient, startTestServer, uniqueChannel, until } from '../server/raw-client.js';
import { captureLogger } from './helpers.js';

let server: ChannelLinkServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const socketOf = (client: RawClient): Socket => (client.ws as unknown as { _socket: Socket })._socket;
const FRAME = 64 * 1024;

describe('slow consumer', () => {
  it('is closed (4430) once its send buffer passes maxBufferedBytes; others are unaffected', async () => {
    const { logger, lines } = captureLogger('warn');
    server = await startTestServer({ logger, maxBufferedBytes: 256 * 1024, dataRatePerSecond: 100_000, dataBurst: 100_000, peerTimeoutMs: 30_000, streamTimeoutMs: 30_000 });
    const s = server;
    const channel = uniqueChannel('slow');
    const subscriptions = [{ uid: 1, streamId: 's1' }];
    const { client: pub } = await RawClient.joined(s.url, { channel, uid: 1, streams: ['s1'] });
    const { client: reader } = await RawClient.joined(s.url, { channel, uid: 2, subscriptions });
    const { client: slow } = await RawClient.joined(s.url, { channel, uid: 3, subscriptions });
    socketOf(slow).pause(); // stops reading: nothing it is sent is taken off the wire any more

    // Publish in rounds of 1 MiB (the ping is a barrier: the server has forwarded the round).
    let sent = 0;
    const payload = new Uint8Array(FRAME).fill(1);
    while (s.stats().counters.slowConsumerCloses === 0 && sent < 200 * 1024 * 1024) {
      for (let i = 0; i < 16; i++) pub.sendData('s1', payload);
      sent += 16 * FRAME;
      await pub.ping();
    }
    expect(s.stats().counters.slowConsumerCloses).toBe(1);
    expect(lines.find((l) => l.msg === 'slow consumer: disconnected')).toMatchObject({ limit: 256 * 1024 });
    await until(() => s.stats().sockets === 2, 'the slow socket to be gone', 5000);

    // The reader got every frame; the publisher and reader are still connected.
    await reader.waitFor(() => reader.data.length === sent / FRAME, 'every frame at the reader', 10_000);
    await pub.ping();
    expect(pub.closeInfo).toBeNull();
    expect(reader.closeInfo).toBeNull();
    expect(reader.events()).toEqual([{ type: 'peer-online', uid: 3 }]); // the slow member keeps its session (it may resume)
    expect(s.stats()).toMatchObject({ sessions: 3, members: 2 }); // its session stays, no longer connected

    // Once it reads again it finds its connection closed.
    socketOf(slow).resume();
    const close = await slow.waitClosed(10_000);
    expect([CloseCode.SLOW_CONSUMER, 1006]).toContain(close.code);
    console.log(`slow consumer cut after ${(sent / 1024 / 1024).toFixed(0)} MiB published; client saw close ${close.code}`);
  }, 30_000);
});
