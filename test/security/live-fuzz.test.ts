/**
 * Fuzz run against a live server process (the built CLI, with an app certificate): FUZZ_FRAMES
 * (default 50,000) random and mutated frames from many sockets, counted by the server itself.
 * The server stays up, its memory stays bounded, and two well-behaved SDK clients in the same
 * channel see nothing unusual: still CONNECTED, no exception, consistent presence, every message.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToken } from 'channel-link/server';
import type { ChannelEvent, Uid } from 'channel-link';
import type { ClientFrame } from '../../src/protocol.js';
import { testClient, type TestClient } from '../integration/harness.js';
import { startServerProcess, type ServerProcess } from '../support/server-process.js';
import { waitFor } from '../support/wait-for.js';
import { arbClientFrame } from './frame-arbitraries.js';
import { runLane, type LaneStats } from './fuzz-lane.js';
import { seeded } from './mutate.js';
import { CERT } from './helpers.js';

const FUZZ_FRAMES = Number(process.env.FUZZ_FRAMES ?? 50_000);
const LANES = Number(process.env.FUZZ_LANES ?? 48);
const SEED = Number(process.env.FUZZ_SEED ?? 20_240_601);
const FUZZ_CAP_MS = 45_000;
const APP = 'fuzz';
const ARENA = 'arena';
const PEER_TIMEOUT_MS = 2500;

interface Stats {
  sessions: number;
  members: number;
  sockets: number;
  counters: { framesIn: number; framesDropped: number; protocolErrors: number; joinsRefused: number };
  memory: { rss: number; heapUsed: number };
}

let server: ServerProcess;
const statsUrl = () => `http://127.0.0.1:${server.port}/stats`;
const getStats = async (): Promise<Stats> => (await (await fetch(statsUrl())).json()) as Stats;
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
const tokenFor = (channel: string, uid: number) => createToken({ appId: APP, appCertificate: CERT, channel, uid, expiresInSeconds: 3600 });

beforeAll(async () => {
  server = await startServerProcess({
    args: ['--stats', '--app-certificate', CERT, '--peer-timeout-ms', String(PEER_TIMEOUT_MS), '--stream-timeout-ms', '2000', '--join-timeout-ms', '1000'],
  });
});
afterAll(async () => {
  await server?.stop();
});

/** Presence events of one uid must alternate online/leave, streams only while online. */
function checkPresence(events: ChannelEvent[]): string[] {
  const problems: string[] = [];
  const online = new Map<Uid, boolean>();
  const streams = new Map<Uid, Set<string>>();
  for (const e of events) {
    if (e.type === 'peer-online') {
      if (online.get(e.uid)) problems.push(`duplicate peer-online ${e.uid}`);
      online.set(e.uid, true);
      streams.set(e.uid, new Set());
    } else if (e.type === 'peer-leave') {
      if (!online.get(e.uid)) problems.push(`peer-leave of absent ${e.uid}`);
      if (streams.get(e.uid)?.size) problems.push(`peer-leave ${e.uid} with streams still announced`);
      online.set(e.uid, false);
    } else if (e.type === 'stream-added') {
      if (!online.get(e.uid)) problems.push(`stream-added of absent ${e.uid}`);
      if (streams.get(e.uid)?.has(e.streamId)) problems.push(`duplicate stream-added ${e.uid}/${e.streamId}`);
      streams.get(e.uid)?.add(e.streamId);
    } else if (e.type === 'stream-removed') {
      if (!streams.get(e.uid)?.delete(e.streamId)) problems.push(`stream-removed of unknown ${e.uid}/${e.streamId}`);
    }
  }
  return problems;
}

describe('live fuzz', () => {
  it(`${FUZZ_FRAMES} hostile frames from ${LANES} lanes: the server survives with bounded memory, well-behaved clients notice nothing`, async () => {
    // Two well-behaved SDK clients in the arena: 1 publishes, 2 subscribes.
    const options = { appId: APP, heartbeatIntervalMs: 500, connectionTimeoutMs: 4000 };
    const pub: TestClient = testClient(server.url, options);
    const sub: TestClient = testClient(server.url, options);
    await pub.client.join(tokenFor(ARENA, 1), ARENA, 1);
    await sub.client.join(tokenFor(ARENA, 2), ARENA, 2);
    const stream = await pub.client.publish();
    await sub.waitForEvent((e) => e.type === 'stream-added');
    const remote = await sub.client.subscribe(1, stream.id);
    const received: unknown[] = [];
    remote.messages$.subscribe((m) => received.push(m.data));
    let sent = 0;
    const sender = setInterval(() => stream.send(`seq-${sent++}`), 20);

    await waitFor(async () => (await getStats()).members === 2, { message: 'two members' });
    const before = await getStats();

    // The lanes: half in the arena, half in channels of their own; each with a token for its own uid only.
    // (No `leave` in the pool: it would end most batches early; the lanes leave by themselves.)
    const pool = (fc.sample(arbClientFrame, { numRuns: 3000, seed: SEED }) as ClientFrame[]).filter((f) => f.type !== 'leave');
    let stop = false;
    let peakRss = before.memory.rss;
    const lanes: Promise<LaneStats>[] = [];
    for (let i = 0; i < LANES; i++) {
      const channel = i % 2 === 0 ? ARENA : `${ARENA}-${i % 6}`;
      const uid = 1000 + i;
      lanes.push(runLane({ url: server.url, rng: seeded(SEED + i), appId: APP, channel, uid, token: tokenFor(channel, uid), pool, done: () => stop }));
    }
    const started = Date.now();
    let processed = 0;
    while (processed < FUZZ_FRAMES && Date.now() - started < FUZZ_CAP_MS) {
      await new Promise((r) => setTimeout(r, 500));
      const s = await getStats();
      processed = s.counters.framesIn - before.counters.framesIn;
      peakRss = Math.max(peakRss, s.memory.rss);
    }
    stop = true;
    const laneStats = await Promise.all(lanes);
    const fuzzMs = Date.now() - started;
    clearInterval(sender);
    const during = await getStats();

    // Everything the fuzzers left behind times out; then only the two victims remain.
    await waitFor(async () => {
      const s = await getStats();
      return s.members === 2 && s.sessions === 2 && s.sockets === 2;
    }, { timeoutMs: PEER_TIMEOUT_MS * 3, message: 'fuzz sessions to time out' });
    const after = await getStats();

    const sum = (key: keyof LaneStats) => laneStats.reduce((n, l) => n + l[key], 0);
    const report = {
      framesSent: sum('framesSent'),
      framesProcessedByServer: after.counters.framesIn - before.counters.framesIn,
      framesDroppedByRateLimit: after.counters.framesDropped - before.counters.framesDropped,
      connections: sum('connections'),
      closedByServer: sum('closedByServer'),
      protocolErrors: after.counters.protocolErrors - before.counters.protocolErrors,
      joinsRefused: after.counters.joinsRefused - before.counters.joinsRefused,
      seconds: +(fuzzMs / 1000).toFixed(1),
      rss: { before: mb(before.memory.rss), peak: mb(peakRss), after: mb(after.memory.rss) },
      heapUsed: { before: mb(before.memory.heapUsed), during: mb(during.memory.heapUsed), after: mb(after.memory.heapUsed) },
    };
    console.log(`live fuzz: ${JSON.stringify(report)}`);

    // The server stayed up and counted at least FUZZ_FRAMES frames.
    expect(server.child.exitCode).toBeNull();
    expect((await fetch(`http://127.0.0.1:${server.port}/healthz`)).status).toBe(200);
    expect(report.framesProcessedByServer).toBeGreaterThanOrEqual(FUZZ_FRAMES);
    expect(report.protocolErrors).toBeGreaterThan(1000);
    // Bounded memory: no growth with the number of frames or connections.
    expect(after.memory.rss).toBeLessThan(before.memory.rss + 150 * 1024 * 1024);
    expect(peakRss).toBeLessThan(512 * 1024 * 1024);

    // The well-behaved clients: still CONNECTED, never reconnected, no exception.
    for (const victim of [pub, sub]) {
      expect(victim.client.getConnectionState()).toBe('CONNECTED');
      expect(victim.log('connection-state-change')).toEqual(['state DISCONNECTED->CONNECTING JOIN', 'state CONNECTING->CONNECTED JOINED']);
      expect(victim.log('exception')).toEqual([]);
      expect(checkPresence(victim.events)).toEqual([]);
      const strangers = victim.events.filter((e) => 'uid' in e && e.uid !== 1 && e.uid !== 2 && !(typeof e.uid === 'number' && e.uid >= 1000 && e.uid < 1000 + LANES));
      expect(strangers).toEqual([]);
    }
    // Every message arrived, in order, and nothing else did.
    await waitFor(() => received.length >= sent, { timeoutMs: 5000, message: 'every message' });
    expect(received).toEqual(Array.from({ length: sent }, (_, i) => `seq-${i}`));
    // And the peer tables agree with the server's truth.
    expect([...sub.peers().keys()]).toEqual([1]);
    expect([...sub.peers().get(1)!.streams]).toEqual([stream.id]);
    expect([...pub.peers().keys()]).toEqual([2]);
  }, 120_000);
});
