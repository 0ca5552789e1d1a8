/**
 * docs/cluster.md, Redis outage: Redis stopped for 10 s and started again, with its data lost and with its data kept.
 * No node crashes, local members keep their sessions, /healthz answers 503 with the reason while
 * Redis is away, each transition is logged once, and afterwards every client's peers$ equals the
 * truth within 2 x peerTimeoutMs.
 */
import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, test } from 'vitest';
import { startServer, type ChannelLinkServer } from 'channel-link/server';
import { startRedis } from '../support/redis-server.js';
import { waitFor } from '../support/wait-for.js';
import { FAST_NODE_TTL_MS, FAST_SERVER, onCleanup, testClient, uidsOf, type TestClient } from '../integration/harness.js';

const OUTAGE_MS = 10_000;
const PEER_TIMEOUT_MS = FAST_SERVER.peerTimeoutMs!;

function capturedLogger() {
  const lines: { msg: string; level: number }[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n')) if (line) lines.push(JSON.parse(line));
      done();
    },
  });
  return { logger: pino({ level: 'info' }, sink), count: (msg: string) => lines.filter((l) => l.msg === msg).length };
}

async function health(server: ChannelLinkServer): Promise<{ status: number; body: { ok: boolean; reason?: string } }> {
  const res = await fetch(`${server.url.replace('ws', 'http')}/healthz`);
  return { status: res.status, body: (await res.json()) as { ok: boolean; reason?: string } };
}

const truth = (clients: TestClient[], self: TestClient) =>
  clients.filter((c) => c !== self && c.client.getConnectionState() === 'CONNECTED').map((c) => c.uid!).map(String).sort();

describe.each([
  ['with its data lost', false],
  ['with its data kept', true],
])('Redis outage, %s', (_name, keepData) => {
  test('nodes serve on, say 503, and converge once Redis is back', async () => {
    const redis = await startRedis();
    onCleanup(() => redis.close());
    const logs = [capturedLogger(), capturedLogger()];
    const nodes: ChannelLinkServer[] = [];
    for (const { logger } of logs) {
      const server = await startServer({ port: 0, ...FAST_SERVER, logger, redisUrl: redis.url, nodeTtlMs: FAST_NODE_TTL_MS });
      onCleanup(() => server.close());
      nodes.push(server);
    }
    const [a, b] = nodes as [ChannelLinkServer, ChannelLinkServer];
    const clients = [testClient(a.url), testClient(a.url), testClient(b.url), testClient(b.url)];
    for (const [i, c] of clients.entries()) {
      c.uid = i + 1;
      await c.client.join(null, 'outage', c.uid);
    }
    await clients[0]!.client.publish();
    for (const c of clients) await waitFor(() => uidsOf(c.peers()).length === 3, { message: `client ${c.uid} sees 3 peers` });

    await redis.stop({ keepData });
    for (const node of nodes) {
      await waitFor(async () => (await health(node)).status === 503, { message: '/healthz 503' });
      expect((await health(node)).body).toMatchObject({ ok: false, reason: expect.stringMatching(/redis/i) });
    }
    // During the outage: uid 2 (node A) quits, uid 4's link to node B dies; uid 1 and 3 stay connected.
    await clients[1]!.client.leave();
    await clients[0]!.waitForEvent((e) => e.type === 'peer-leave' && e.uid === 2, 2000, 'a local QUIT is seen at once on its node');
    await clients[3]!.client.destroy();
    const outageEnds = Date.now() + OUTAGE_MS;
    await waitFor(() => Date.now() >= outageEnds, { timeoutMs: OUTAGE_MS + 1000, intervalMs: 100 }); // the outage lasts 10 s
    expect(clients[0]!.client.getConnectionState()).toBe('CONNECTED');
    expect(clients[2]!.client.getConnectionState()).toBe('CONNECTED');

    await redis.start();
    for (const node of nodes) await waitFor(async () => (await health(node)).status === 200, { timeoutMs: 5000, message: '/healthz 200 again' });
    const live = [clients[0]!, clients[2]!];
    const newcomer = testClient(b.url);
    newcomer.uid = 5;
    await newcomer.client.join(null, 'outage', 5);
    const everyone = [...live, newcomer];
    await waitFor(() => everyone.every((c) => uidsOf(c.peers()).join() === truth(everyone, c).join()), {
      timeoutMs: 2 * PEER_TIMEOUT_MS,
      message: "every client's peers$ equals the truth",
    });
    expect(uidsOf(clients[2]!.peers())).toEqual(['1', '5']);
    expect(clients[2]!.peers().get(1)?.streams.size).toBe(1);
    for (const { count } of logs) {
      expect(count('redis unavailable: serving local sessions only')).toBe(1);
      expect(count('redis available again: reconciling this node')).toBe(1);
    }
    // The limit covers the waits' own budgets (the 10 s outage among them), so a slow machine fails on a named wait.
  }, 60_000);
});
