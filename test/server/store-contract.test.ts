/**
 * One contract, three stores: the in-memory store, the Redis store on a real redis-server and on a
 * real 3-shard Redis Cluster must answer every operation the same way and emit the same channel
 * events in the same order.
 */
import { createHash, randomBytes } from 'node:crypto';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryChannelStore } from '../../server/memory-store.js';
import { RedisChannelStore } from '../../server/cluster/redis-store.js';
import * as scripts from '../../server/cluster/redis-scripts/index.js';
import { channelKey, type StoreEvent, type ChannelStore, type CountsAt, type MemberRef, type StoreListener } from '../../server/store.js';
import { redisMissing, startRedis, type RedisServer } from '../support/redis-server.js';
import { startRedisCluster, type RedisCluster } from '../support/redis-cluster.js';
import { auditScriptKeys, type ScriptKeyAudit } from '../support/script-key-audit.js';
import { waitFor } from '../support/wait-for.js';

interface Node {
  store: ChannelStore;
  events: StoreEvent[];
  /** The counts each channel was last said to have, with their seq. */
  counts: Map<string, CountsAt>;
  taken: string[];
  adopted: string[];
  /** Events of one channel as compact strings, e.g. 'peer-online 1'. */
  log(key: string): string[];
}

type Factory = (nodeId: string) => Promise<Node>;

function recorder(): { listener: StoreListener; node: Omit<Node, 'store'> } {
  const events: StoreEvent[] = [];
  const taken: string[] = [];
  const adopted: string[] = [];
  const counts = new Map<string, CountsAt>();
  const listener: StoreListener = {
    storeEvent: (e) => events.push(e),
    counts: (key, c) => {
      const known = counts.get(key);
      if (!known || c.seq > known.seq) counts.set(key, c);
    },
    data: () => {},
    sessionTaken: (sessionId, how) => taken.push(`${how} ${sessionId}`),
    adopted: (sessions) => adopted.push(...sessions.map((s) => `${String(s.uid)} ${s.sessionId} ${s.streams.join(',')}${s.role === 'audience' ? ' audience' : ''}`)),
    reconnected: () => {},
    kick: () => {},
  };
  const log = (key: string) =>
    events
      .filter((e) => e.key === key)
      .map((e) => {
        const f = e.frame;
        const tail = 'streamId' in f ? ` ${f.streamId}` : '';
        const reason = 'reason' in f ? ` ${f.reason}` : '';
        return `${f.type} ${String(f.uid)}${tail}${reason}`;
      });
  return { listener, node: { events, counts, taken, adopted, log } };
}

const silent = pino({ level: 'silent' });
const missing = redisMissing();
if (missing && process.env.CI === 'true') throw new Error(`${missing}. CI=true: the Redis store tests must run, failing.`);
if (missing) process.stderr.write(`\n\x1b[33m[store contract] SKIPPING the Redis store: ${missing}.\x1b[0m\n\n`);

let redis: RedisServer | undefined;
let redisCluster: RedisCluster | undefined;
/** Every script call on the single Redis, checked at the end of the file for keys it did not declare. */
let audit: ScriptKeyAudit | undefined;
const opened: ChannelStore[] = [];
beforeAll(async () => {
  if (missing) return;
  [redis, redisCluster] = await Promise.all([startRedis(), startRedisCluster()]);
  const names = new Map(Object.values(scripts).flatMap((s) => (typeof s === 'object' && 'source' in s ? [[createHash('sha1').update(s.source).digest('hex'), s.name] as const] : [])));
  audit = await auditScriptKeys(redis.url, names);
}, 30_000);
afterAll(async () => {
  await audit?.stop();
  for (const store of opened) await store.close(false);
  await redis?.close();
  await redisCluster?.close();
});

/** Where a Redis store runs, and how a test reads what it left there. */
interface Backend {
  where(): { url: string } | { cluster: string[] };
  /** Every key matching the pattern, over every shard, sorted. */
  scan(pattern: string): string[];
  /** The key's TTL in ms (-1: none, -2: absent). */
  pttl(key: string): number;
}

const single: Backend = {
  where: () => ({ url: redis!.url }),
  scan: (pattern) => redis!.cli('--scan', '--pattern', pattern).trim().split('\n').filter(Boolean).sort(),
  pttl: (key) => Number(redis!.cli('PTTL', key).trim()),
};
const sharded: Backend = {
  where: () => ({ cluster: redisCluster!.nodes }),
  scan: (pattern) => redisCluster!.shards.flatMap((s) => s.cli('--scan', '--pattern', pattern).trim().split('\n').filter(Boolean)).sort(),
  pttl: (key) => Number(redisCluster!.shardOf(key).cli('PTTL', key).trim()),
};

const memoryFactory: Factory = async (nodeId) => {
  const store = new MemoryChannelStore();
  const { listener, node } = recorder();
  await store.open(nodeId, listener);
  return { store, ...node };
};

/** Nodes of one cluster share a prefix; each test uses its own. */
const redisFactoryOn =
  (prefix: string, nodeTtlMs = 3000, backend = single): Factory =>
  async (nodeId) => {
    const store = new RedisChannelStore({ ...backend.where(), prefix, nodeTtlMs, log: silent });
    const { listener, node } = recorder();
    await store.open(nodeId, listener);
    opened.push(store);
    return { store, ...node };
  };

const kinds: [string, () => Factory, boolean][] = [
  ['memory', () => memoryFactory, true],
  ['redis', () => redisFactoryOn(`t${randomBytes(4).toString('hex')}:`, 3000, single), !missing],
  ['redis cluster', () => redisFactoryOn(`t${randomBytes(4).toString('hex')}:`, 3000, sharded), !missing],
];

const uniqueKey = () => channelKey('app', `room-${randomBytes(4).toString('hex')}`);

for (const [kind, factoryOf, enabled] of kinds) {
  describe.runIf(enabled)(`ChannelStore contract: ${kind}`, () => {
    /** Waits until the node saw `count` events of the channel (Redis delivers them over pub/sub). */
    const settle = (node: Node, key: string, count: number) =>
      waitFor(() => node.log(key).length >= count, { timeoutMs: 3000, message: `${count} events` });

    it('admits a fresh member with its streams, and tells the others in order', async () => {
      const node = await factoryOf()('n1');
      const key = uniqueKey();
      await node.store.watch(key);
      const one = await node.store.join({ key, uid: 1, assigned: false, newSessionId: 'A', streams: ['s1', 's2'], role: 'host', limits: { hosts: 10, audience: 100 }, attributes: {} });
      expect(one).toMatchObject({ outcome: 'fresh', sessionId: 'A', streams: ['s1', 's2'], snapshot: [], previous: null });
      const two = await node.store.join({ key, uid: 2, assigned: false, newSessionId: 'B', streams: [], role: 'host', limits: { hosts: 10, audience: 100 }, attributes: {} });
      expect(two).toMatchObject({ outcome: 'fresh', sessionId: 'B', snapshot: [{ uid: 1, streams: ['s1', 's2'] }] });
      await settle(node, key, 4);
      expect(node.log(key)).toEqual(['peer-online 1', 'stream-added 1 s1', 'stream-added 1 s2', 'peer-online 2']);
      const seqs = node.events.filter((e) => e.key === key).map((e) => e.seq);
      expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
      expect(new Set(seqs).size).toBe(seqs.length);
      // The join's seq covers every event it caused (a change of the counts takes a seq of its own).
      if (two.outcome === 'fresh') expect(two.seq).toBeGreaterThanOrEqual(seqs.at(-1)!);
      expect(node.events.find((e) => e.key === key)).toMatchObject({ sessionId: 'A', origin: 'n1' });
    });

    it('resumes a session (no peer-online) and reconciles its streams; a uid join elsewhere replaces it', async () => {
      const node = await factoryOf()('n1');
      const key = uniqueKey();
      await node.store.watch(key);
      await node.store.join({ key, uid: 1, assigned: false, newSessionId: 'A', streams: ['s1'], role: 'host', limits: { hosts: 10, audience: 100 }, attributes: {} });
      const resumed = await node.store.join({ key, uid: 1, assigned: false, resumeSessionId: 'A', newSessionId: 'X', streams: ['s2'], role: 'host', limits: { hosts: 10, audience: 100 }, attributes: {} });
      expect(resumed).toMatchObject({ outcome: 'resumed', sessionId: 'A', streams: ['s2'], previous: { sessionId: 'A', node: 'n1' } });
      const replaced = await node.store.join({ key, uid: 1, assigned: false, resumeSessionId: 'stale', newSessionId: 'C', streams: ['s2', 's3'], role: 'host', limits: { hosts: 10, audience: 100 }, attributes: {} });
      expect(replaced).toMatchObject({ outcome: 'replaced', sessionId: 'C', streams: ['s2', 's3'], previous: { sessionId: 'A', node: 'n1' } });
      await settle(node, key, 5);
      expect(node.log(key)).toEqual(['peer-online 1', 'stream-added 1 s1', 'stream-removed 1 s1 UNPUBLISHED', 'stream-added 1 s2', 'stream-added 1 s3']);
      // A picked uid that is taken is not a replacement.
      expect(await node.store.join({ key, uid: 1, assigned: true, newSessionId: 'D', streams: [], role: 'host', limits: { hosts: 10, audience: 100 }, attributes: {} })).toEqual({ outcome: 'taken' });
    });

    it('refuses a fresh member beyond maxMembers, but not a resume; number 1 and string "1" differ', async () => {
      const node = await factoryOf()('n1');
      const key = uniqueKey();
      await node.store.join({ key, uid: 1, assigned: false, newSessionId: 'A', streams: [], role: 'host', limits: { hosts: 2, audience: 100 }, attributes: {} });
      await node.store.join({ key, uid: '1', assigned: false, newSessionId: 'B', streams: [], role: 'host', limits: { hosts: 2, audience: 100 }, attributes: {} });
      expect(await node.store.join({ key, uid: 3, assigned: false, newSessionId: 'C', streams: [], role: 'host', limits: { hosts: 2, audience: 100 }, attributes: {} })).toEqual({ outcome: 'full', role: 'host' });
      expect((await node.store.join({ key, uid: 1, assigned: false, resumeSessionId: 'A', newSessionId: 'Z', streams: [], role: 'host', limits: { hosts: 2, audience: 100 }, attributes: {} })).outcome).toBe('resumed');
      const { members } = await node.store.snapshot(key);
      expect(members).toEqual(expect.arrayContaining([{ uid: 1, streams: [] }, { uid: '1', streams: [] }]));
      expect(members).toHaveLength(2);
    });

    it('leaves only a session it owns: streams first (PEER_LEFT or NO_DATA), then the member', async () => {
      const node = await factoryOf()('n1');
      const key = uniqueKey();
      await node.store.watch(key);
      await node.store.join({ key, uid: 1, assigned: false, newSessionId: 'A', streams: ['s1'], role: 'host', limits: { hosts: 10, audience: 100 }, attributes: {} });
      await node.store.join({ key, uid: 2, assigned: false, newSessionId: 'B', streams: ['s2'], role: 'host', limits: { hosts: 10, audience: 100 }, attributes: {} });
      expect(await node.store.leave({ key, uid: 1, sessionId: 'wrong' }, 'QUIT')).toBeNull();
      expect(await node.store.leave({ key, uid: 1, sessionId: 'A' }, 'QUIT')).not.toBeNull();
      expect(await node.store.leave({ key, uid: 1, sessionId: 'A' }, 'QUIT')).toBeNull();
      expect(await node.store.leave({ key, uid: 2, sessionId: 'B' }, 'SERVER_TIMEOUT')).not.toBeNull();
      await settle(node, key, 8);
      expect(node.log(key).slice(4)).toEqual(['stream-removed 1 s1 PEER_LEFT', 'peer-leave 1 QUIT', 'stream-removed 2 s2 NO_DATA', 'peer-leave 2 SERVER_TIMEOUT']);
      expect((await node.store.snapshot(key)).members).toEqual([]);
    });

    it('publishes, unpublishes and times out streams of the owner only', async () => {
      const node = await factoryOf()('n1');
      const key = uniqueKey();
      await node.store.watch(key);
      await node.store.join({ key, uid: 1, assigned: false, newSessionId: 'A', streams: [], role: 'host', limits: { hosts: 10, audience: 100 }, attributes: {} });
      const a: MemberRef = { key, uid: 1, sessionId: 'A' };
      expect(await node.store.publish(a, 's1', 2)).toBe('added');
      expect(await node.store.publish(a, 's1', 2)).toBe('exists');
      expect(await node.store.publish(a, 's2', 2)).toBe('added');
      expect(await node.store.publish(a, 's3', 2)).toBe('limit');
      expect(await node.store.publish({ ...a, sessionId: 'other' }, 's3', 2)).toBe('gone');
      expect(await node.store.hasStream(key, 1, 's2')).toBe(true);
      expect(await node.store.hasStream(key, '1', 's2')).toBe(false);
      expect(await node.store.unpublish(a, 's2')).toBe('removed');
      expect(await node.store.unpublish(a, 's2')).toBe('absent');
      expect(await node.store.unpublish({ ...a, sessionId: 'other' }, 's1')).toBe('gone');
      expect(await node.store.removeStreams({ ...a, sessionId: 'other' })).toBe(false);
      expect(await node.store.removeStreams(a)).toBe(true);
      expect(await node.store.hasStream(key, 1, 's1')).toBe(false);
      await settle(node, key, 5);
      expect(node.log(key)).toEqual(['peer-online 1', 'stream-added 1 s1', 'stream-added 1 s2', 'stream-removed 1 s2 UNPUBLISHED', 'stream-removed 1 s1 NO_DATA']);
    });

    it('keeps each stream\'s recent messages for resumes: after a position, within the bounds, of the newest epoch', async () => {
      const node = await factoryOf()('n1');
      const key = uniqueKey();
      await node.store.watch(key);
      await node.store.join({ key, uid: 1, assigned: false, newSessionId: 'A', streams: ['s1'], role: 'host', limits: { hosts: 10, audience: 100 }, attributes: {} });
      const a: MemberRef = { key, uid: 1, sessionId: 'A' };
      const frame = (n: number) => new Uint8Array([n]);
      for (let seq = 1; seq <= 5; seq++) node.store.messages.append(a, 's1', { epoch: 9, seq, frame: frame(seq) });
      const seqsAfter = async (epoch: number, seq: number) => {
        const replay = await node.store.messages.read(key, 1, 's1', epoch, seq);
        return replay && { ...replay, messages: replay.messages.map((m) => [m.seq, m.frame[0]]) };
      };
      await waitFor(async () => (await seqsAfter(9, 0))?.to === 5, { message: 'the 5 messages kept' });
      expect(await seqsAfter(9, 3)).toEqual({ epoch: 9, from: 4, to: 5, messages: [[4, 4], [5, 5]] });
      expect(await seqsAfter(9, 5)).toEqual({ epoch: 9, from: 6, to: 5, messages: [] });
      // Another epoch than the subscriber's: all of the newest one.
      expect(await seqsAfter(3, 4)).toMatchObject({ epoch: 9, from: 1, to: 5 });
      expect(await node.store.messages.read(key, 1, 'other', 9, 0)).toBeNull();
      // A rejoin learns the newest message kept of each of its streams.
      const again = await node.store.join({ key, uid: 1, assigned: false, resumeSessionId: 'A', newSessionId: 'X', streams: ['s1'], role: 'host', limits: { hosts: 10, audience: 100 }, attributes: {} });
      expect(again).toMatchObject({ outcome: 'resumed', published: [{ streamId: 's1', epoch: 9, seq: 5 }] });
      // Unpublished: its messages go.
      expect(await node.store.unpublish(a, 's1')).toBe('removed');
      expect(await node.store.messages.read(key, 1, 's1', 9, 0)).toBeNull();
    });

    it('drops a stream\'s messages when its member quits, keeps them through a timeout', async () => {
      const node = await factoryOf()('n1');
      const key = uniqueKey();
      await node.store.join({ key, uid: 1, assigned: false, newSessionId: 'A', streams: ['s1'], role: 'host', limits: { hosts: 10, audience: 100 }, attributes: {} });
      await node.store.join({ key, uid: 2, assigned: false, newSessionId: 'B', streams: ['s2'], role: 'host', limits: { hosts: 10, audience: 100 }, attributes: {} });
      node.store.messages.append({ key, uid: 1, sessionId: 'A' }, 's1', { epoch: 1, seq: 1, frame: new Uint8Array([1]) });
      node.store.messages.append({ key, uid: 2, sessionId: 'B' }, 's2', { epoch: 1, seq: 1, frame: new Uint8Array([2]) });
      await waitFor(async () => (await node.store.messages.read(key, 2, 's2', 1, 0)) !== null, { message: 'kept' });
      await node.store.leave({ key, uid: 1, sessionId: 'A' }, 'QUIT');
      await node.store.removeStreams({ key, uid: 2, sessionId: 'B' });
      expect(await node.store.messages.read(key, 1, 's1', 1, 0)).toBeNull();
      // The stream timed out: its publisher may come back within the window and resend after it.
      expect((await node.store.messages.read(key, 2, 's2', 1, 0))?.to).toBe(1);
      const back = await node.store.join({ key, uid: 2, assigned: false, resumeSessionId: 'B', newSessionId: 'Z', streams: ['s2'], role: 'host', limits: { hosts: 10, audience: 100 }, attributes: {} });
      expect(back).toMatchObject({ published: [{ streamId: 's2', epoch: 1, seq: 1 }] });
    });

    it('keeps an audience apart: no event for its joins and leaves, counted, never in a snapshot, refused beyond its limit', async () => {
      const node = await factoryOf()('n1');
      const key = uniqueKey();
      await node.store.watch(key);
      const limits = { hosts: 10, audience: 2 };
      await node.store.join({ key, uid: 1, assigned: false, newSessionId: 'H', streams: ['s1'], role: 'host', limits, attributes: {} });
      const fan = await node.store.join({ key, uid: 50, assigned: false, newSessionId: 'F', streams: ['ignored'], role: 'audience', limits, attributes: {} });
      expect(fan).toMatchObject({ outcome: 'fresh', role: 'audience', streams: [], counts: { hosts: 1, audience: 1 }, snapshot: [{ uid: 1, streams: ['s1'] }] });
      await node.store.join({ key, uid: 51, assigned: false, newSessionId: 'G', streams: [], role: 'audience', limits, attributes: {} });
      expect(await node.store.join({ key, uid: 52, assigned: false, newSessionId: 'X', streams: [], role: 'audience', limits, attributes: {} })).toEqual({ outcome: 'full', role: 'audience' });
      const host2 = await node.store.join({ key, uid: 2, assigned: false, newSessionId: 'H2', streams: [], role: 'host', limits, attributes: {} });
      if (host2.outcome !== 'fresh') throw new Error('host 2 not admitted');
      expect(host2.snapshot).toEqual([{ uid: 1, streams: ['s1'] }]); // the audience is nobody's peer
      expect(await node.store.publish({ key, uid: 50, sessionId: 'F' }, 's9', 8)).toBe('audience');
      expect(await node.store.leave({ key, uid: 51, sessionId: 'G' }, 'SERVER_TIMEOUT')).not.toBeNull();
      const snap = await node.store.snapshot(key);
      expect(snap.counts).toEqual({ hosts: 2, audience: 1 });
      expect(snap.members.map((m) => m.uid).sort()).toEqual([1, 2]);
      await settle(node, key, 3);
      expect(node.log(key)).toEqual(['peer-online 1', 'stream-added 1 s1', 'peer-online 2']);
      await waitFor(() => node.counts.get(key)?.audience === 1 && node.counts.get(key)?.hosts === 2, { message: 'the counts told' });
      expect((await node.store.ownedSessions()).filter((r) => r.key === key).map((r) => r.sessionId).sort()).toEqual(['F', 'H', 'H2']);
    });

    it('moves a member between roles: host -> audience unpublishes then leaves (BECOME_AUDIENCE), audience -> host comes online', async () => {
      const node = await factoryOf()('n1');
      const key = uniqueKey();
      await node.store.watch(key);
      const limits = { hosts: 2, audience: 10 };
      await node.store.join({ key, uid: 1, assigned: false, newSessionId: 'A', streams: ['s1'], role: 'host', limits, attributes: {} });
      await node.store.join({ key, uid: 2, assigned: false, newSessionId: 'B', streams: [], role: 'host', limits, attributes: {} });
      expect(await node.store.setRole({ key, uid: 1, sessionId: 'A' }, 'audience', limits)).toMatchObject({ outcome: 'changed', counts: { hosts: 1, audience: 1 } });
      expect(await node.store.setRole({ key, uid: 1, sessionId: 'A' }, 'audience', limits)).toMatchObject({ outcome: 'same' });
      expect(await node.store.hasStream(key, 1, 's1')).toBe(false);
      await node.store.join({ key, uid: 3, assigned: false, newSessionId: 'C', streams: [], role: 'host', limits, attributes: {} });
      expect(await node.store.setRole({ key, uid: 1, sessionId: 'A' }, 'host', limits)).toEqual({ outcome: 'full' });
      expect(await node.store.setRole({ key, uid: 1, sessionId: 'nope' }, 'host', limits)).toEqual({ outcome: 'gone' });
      await node.store.leave({ key, uid: 3, sessionId: 'C' }, 'QUIT');
      expect(await node.store.setRole({ key, uid: 1, sessionId: 'A' }, 'host', limits)).toMatchObject({ outcome: 'changed', counts: { hosts: 2, audience: 0 } });
      // A resume that asks for audience moves it too (the client changed role while away).
      const back = await node.store.join({ key, uid: 2, assigned: false, resumeSessionId: 'B', newSessionId: 'Z', streams: [], role: 'audience', limits, attributes: {} });
      expect(back).toMatchObject({ outcome: 'resumed', role: 'audience', counts: { hosts: 1, audience: 1 } });
      await settle(node, key, 9);
      expect(node.log(key)).toEqual([
        'peer-online 1',
        'stream-added 1 s1',
        'peer-online 2',
        'stream-removed 1 s1 UNPUBLISHED',
        'peer-leave 1 BECOME_AUDIENCE',
        'peer-online 3',
        'peer-leave 3 QUIT',
        'peer-online 1',
        'peer-leave 2 BECOME_AUDIENCE',
      ]);
    });

    it('a resume that asks to become a host beyond the limit stays audience', async () => {
      const node = await factoryOf()('n1');
      const key = uniqueKey();
      const limits = { hosts: 1, audience: 10 };
      await node.store.join({ key, uid: 1, assigned: false, newSessionId: 'A', streams: [], role: 'host', limits, attributes: {} });
      await node.store.join({ key, uid: 2, assigned: false, newSessionId: 'B', streams: [], role: 'audience', limits, attributes: {} });
      const back = await node.store.join({ key, uid: 2, assigned: false, resumeSessionId: 'B', newSessionId: 'Z', streams: ['s1'], role: 'host', limits, attributes: {} });
      expect(back).toMatchObject({ outcome: 'resumed', role: 'audience', streams: [] });
    });

    it('lists the sessions it owns, and restores one it holds (after an outage)', async () => {
      const node = await factoryOf()('n1');
      const key = uniqueKey();
      await node.store.watch(key);
      await node.store.join({ key, uid: 1, assigned: false, newSessionId: 'A', streams: ['s1'], role: 'host', limits: { hosts: 10, audience: 100 }, attributes: {} });
      expect((await node.store.ownedSessions()).filter((r) => r.key === key)).toEqual([{ key, uid: 1, sessionId: 'A' }]);
      expect(await node.store.restore({ key, uid: 1, sessionId: 'A' }, { role: 'host', streams: [], attributes: {} }, true)).toBe('ok');
      expect(await node.store.restore({ key, uid: 1, sessionId: 'B' }, { role: 'host', streams: [], attributes: {} }, true)).toBe('lost');
      expect(await node.store.restore({ key, uid: 2, sessionId: 'C' }, { role: 'host', streams: ['s9'], attributes: {} }, true)).toBe('ok');
      await settle(node, key, 5);
      expect(node.log(key)).toEqual(['peer-online 1', 'stream-added 1 s1', 'stream-removed 1 s1 NO_DATA', 'peer-online 2', 'stream-added 2 s9']);
    });
  });
}

describe.runIf(!missing).each([
  ['one Redis', single],
  ['a 3-shard Redis Cluster', sharded],
])('Redis store on %s: a cluster of nodes', (_name, backend) => {
  const redisFactory = (prefix: string, nodeTtlMs = 3000) => redisFactoryOn(prefix, nodeTtlMs, backend);

  it('delivers each channel event to every node that watches the channel, in the same order', async () => {
    const factory = redisFactory(`t${randomBytes(4).toString('hex')}:`);
    const [a, b, c] = [await factory('a'), await factory('b'), await factory('c')];
    const key = uniqueKey();
    await a.store.watch(key);
    await b.store.watch(key);
    await a.store.join({ key, uid: 1, assigned: false, newSessionId: 'A', streams: ['s1'], role: 'host', limits: { hosts: 10, audience: 100 }, attributes: {} });
    await b.store.join({ key, uid: 2, assigned: false, newSessionId: 'B', streams: [], role: 'host', limits: { hosts: 10, audience: 100 }, attributes: {} });
    await waitFor(() => a.log(key).length === 3 && b.log(key).length === 3, { timeoutMs: 3000, message: 'events on both nodes' });
    expect(b.log(key)).toEqual(a.log(key));
    expect(c.log(key)).toEqual([]); // c does not watch the channel
    expect(b.events.map((e) => e.origin)).toEqual(['a', 'a', 'b']);
  });

  it('tells the old node when its session is resumed or its uid joins on another node', async () => {
    const factory = redisFactory(`t${randomBytes(4).toString('hex')}:`);
    const [a, b] = [await factory('a'), await factory('b')];
    const key = uniqueKey();
    await a.store.join({ key, uid: 1, assigned: false, newSessionId: 'A', streams: [], role: 'host', limits: { hosts: 10, audience: 100 }, attributes: {} });
    const resumed = await b.store.join({ key, uid: 1, assigned: false, resumeSessionId: 'A', newSessionId: 'X', streams: [], role: 'host', limits: { hosts: 10, audience: 100 }, attributes: {} });
    expect(resumed).toMatchObject({ outcome: 'resumed', previous: { sessionId: 'A', node: 'a' } });
    await waitFor(() => a.taken.length === 1, { message: 'resumed notice' });
    // The store now takes b for the owner: a can no longer end the session.
    expect(await a.store.leave({ key, uid: 1, sessionId: 'A' }, 'QUIT')).toBeNull();
    await a.store.join({ key, uid: 1, assigned: false, newSessionId: 'C', streams: [], role: 'host', limits: { hosts: 10, audience: 100 }, attributes: {} });
    await waitFor(() => b.taken.length === 1, { message: 'replaced notice' });
    expect([...a.taken, ...b.taken]).toEqual(['resumed A', 'replaced A']);
  });

  it('a uid that joins on another node takes its streams and the old owner\'s bookkeeping along; a restore takes a session back', async () => {
    const factory = redisFactory(`t${randomBytes(4).toString('hex')}:`);
    const [a, b] = [await factory('a'), await factory('b')];
    const key = uniqueKey();
    await a.store.watch(key);
    await a.store.join({ key, uid: 1, assigned: false, newSessionId: 'A', streams: ['s1', 's2'], role: 'host', limits: { hosts: 10, audience: 100 }, attributes: {} });
    a.store.messages.append({ key, uid: 1, sessionId: 'A' }, 's1', { epoch: 1, seq: 1, frame: new Uint8Array([1]) });
    await waitFor(async () => (await a.store.messages.read(key, 1, 's1', 1, 0)) !== null, { message: 'kept' });
    // b knows nothing of the member's streams nor of its owner: the script asks for their keys.
    const replaced = await b.store.join({ key, uid: 1, assigned: false, newSessionId: 'B', streams: ['s2'], role: 'host', limits: { hosts: 10, audience: 100 }, attributes: {} });
    expect(replaced).toMatchObject({ outcome: 'replaced', streams: ['s2'], previous: { sessionId: 'A', node: 'a' } });
    expect(await a.store.messages.read(key, 1, 's1', 1, 0)).toBeNull();
    expect((await a.store.ownedSessions()).filter((r) => r.key === key)).toEqual([]);
    // a's session was still connected there after an outage: its restore wins it back, streams and all.
    expect(await a.store.restore({ key, uid: 1, sessionId: 'B' }, { role: 'host', streams: ['s3'], attributes: {} }, true)).toBe('ok');
    await waitFor(() => b.taken.length === 1, { message: 'resumed notice' });
    expect((await b.store.ownedSessions()).filter((r) => r.key === key)).toEqual([]);
    await waitFor(() => a.log(key).length >= 6, { message: '6 events' });
    expect(a.log(key)).toEqual(['peer-online 1', 'stream-added 1 s1', 'stream-added 1 s2', 'stream-removed 1 s1 UNPUBLISHED', 'stream-removed 1 s2 NO_DATA', 'stream-added 1 s3']);
    expect(await a.store.leave({ key, uid: 1, sessionId: 'B' }, 'QUIT')).toEqual({ seq: expect.any(Number), hosts: 0, audience: 0 });
  });

  it('lets a surviving node adopt the members of a dead one, exactly once', async () => {
    const factory = redisFactory(`t${randomBytes(4).toString('hex')}:`, 300);
    const [dead, b, c] = [await factory('dead'), await factory('b'), await factory('c')];
    const key = uniqueKey();
    await dead.store.join({ key, uid: 1, assigned: false, newSessionId: 'A', streams: ['s1'], role: 'host', limits: { hosts: 10, audience: 100 }, attributes: {} });
    await dead.store.join({ key, uid: 2, assigned: false, newSessionId: 'B', streams: [], role: 'host', limits: { hosts: 10, audience: 100 }, attributes: {} });
    await dead.store.join({ key, uid: 3, assigned: false, newSessionId: 'C', streams: [], role: 'audience', limits: { hosts: 10, audience: 100 }, attributes: {} });
    await dead.store.close(false); // no retire: as if it crashed
    await waitFor(() => b.adopted.length + c.adopted.length === 3, { timeoutMs: 5000, message: 'adoption' });
    const adopter = b.adopted.length > 0 ? b : c;
    expect(adopter.adopted.sort()).toEqual(['1 A s1', '2 B ', '3 C  audience']);
    expect((b.adopted.length > 0 ? c : b).adopted).toEqual([]);
    expect((await adopter.store.ownedSessions()).filter((r) => r.key === key)).toHaveLength(3);
    expect(await adopter.store.leave({ key, uid: 3, sessionId: 'C' }, 'SERVER_TIMEOUT')).not.toBeNull();
    expect(await adopter.store.leave({ key, uid: 1, sessionId: 'A' }, 'SERVER_TIMEOUT')).not.toBeNull();
  });

  it('leaves no channel key behind once every member has left', async () => {
    const prefix = `t${randomBytes(4).toString('hex')}:`;
    const factory = redisFactory(prefix);
    const [a, b] = [await factory('a'), await factory('b')];
    const keys = [uniqueKey(), uniqueKey()];
    for (const [i, key] of keys.entries()) {
      await a.store.join({ key, uid: 1, assigned: false, newSessionId: `A${i}`, streams: ['s1', 's2'], role: 'host', limits: { hosts: 10, audience: 100 }, attributes: {} });
      await b.store.join({ key, uid: 2, assigned: false, newSessionId: `B${i}`, streams: [], role: 'host', limits: { hosts: 10, audience: 100 }, attributes: {} });
      await b.store.join({ key, uid: 3, assigned: false, newSessionId: `C${i}`, streams: [], role: 'audience', limits: { hosts: 10, audience: 100 }, attributes: {} });
      for (const streamId of ['s1', 's2']) a.store.messages.append({ key, uid: 1, sessionId: `A${i}` }, streamId, { epoch: 1, seq: 1, frame: new Uint8Array([1]) });
    }
    await waitFor(async () => (await a.store.messages.read(keys[1]!, 1, 's2', 1, 0)) !== null, { message: 'messages kept' });
    for (const [i, key] of keys.entries()) {
      await a.store.leave({ key, uid: 1, sessionId: `A${i}` }, 'QUIT');
      await b.store.leave({ key, uid: 2, sessionId: `B${i}` }, 'SERVER_TIMEOUT');
      await b.store.leave({ key, uid: 3, sessionId: `C${i}` }, 'QUIT');
    }
    const counters = keys.map((key) => `${prefix}s:{${key}}`).sort();
    // Only the nodes' own registry remains while they run, and each channel's event counter, which
    // expires: no member, ownership or message key.
    expect(backend.scan(`${prefix}*`)).toEqual([...counters, `${prefix}{nodes}heard`, `${prefix}{nodes}nodes`]);
    for (const counter of counters) expect(backend.pttl(counter)).toBeGreaterThan(0);
    await a.store.close(true);
    await b.store.close(true);
    expect(backend.scan(`${prefix}*`).filter((k) => !counters.includes(k))).toEqual([]);
  });
});

describe.runIf(!missing)('Redis scripts', () => {
  it('touch only the keys their calls declare in KEYS (every call of the tests above, on one Redis)', async () => {
    expect(audit!.calls).toBeGreaterThan(100);
    expect(await audit!.violations()).toEqual([]);
  });
});
