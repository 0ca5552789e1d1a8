// Part (d) of bench:channel: CLUSTER_AUDIENCE audience members over 3 nodes on one Redis (its own
// redis-server, persistence off), raw clients in 2 child processes (the open-files limit is per
// process), each client on node uid % 3. Measured: audience joins per second (50 in flight),
// and Redis commands per join from the INFO commandstats delta over the joins (the counts the
// nodes publish once a second, and their liveness heartbeats, included). commandstats counts a
// script's EVALSHA and, under their own names, the redis.call()s it ran; so the same joins run
// again on fresh nodes under MONITOR (./redis-monitor.js), which tells the commands the
// nodes sent (EVALSHA and plain commands) from the calls inside scripts.
// The joins/s figure comes from the pass without MONITOR.
import { startRedis } from '../redis.js';
import { startCrowd } from './crowds.js';
import { sleep } from './measure.js';
import { monitorRedis } from './redis-monitor.js';
import { fmt, reopened, row } from './report.js';
import { channelLinkServer } from './servers.js';
import { now } from './wire.js';

/** Calls of each command between two INFO commandstats readings, summed. */
function delta(before, after, names = null) {
  let n = 0;
  for (const [name, calls] of Object.entries(after)) if (!names || names.includes(name)) n += calls - (before[name] ?? 0);
  return n;
}

/**
 * `count` audience members join one channel over 3 fresh nodes; Redis' counters over the joins.
 * Each pass has nodes of its own, stopped after it (and Redis emptied), so that the members of
 * one pass do not time out during the next.
 */
async function audienceJoins(redis, count, watch = false) {
  const nodes = [];
  let crowd = null;
  try {
    for (let i = 0; i < 3; i++) nodes.push(await channelLinkServer(['--redis-url', redis.url, '--redis-prefix', 'bench:']));
    crowd = await startCrowd({ urls: nodes.map((n) => n.url), channel: 'cluster-audience', count, firstUid: 1, role: 'audience' });
    const monitor = watch ? await monitorRedis(redis.port) : null;
    const before = redis.commandStats();
    const t0 = now();
    const joined = await crowd.join();
    const seconds = (joined.at - t0) / 1000;
    // The nodes tell each other the counts at most once a second: the last of those belongs to the joins.
    await sleep(1500);
    const after = redis.commandStats();
    return {
      rate: count / seconds,
      retried: joined.retried,
      total: delta(before, after),
      scripts: delta(before, after, ['evalsha', 'eval']),
      monitored: await monitor?.stop(),
    };
  } finally {
    await crowd?.stop();
    for (const node of nodes) await node.stop();
    redis.flush();
  }
}

export async function clusterAudience(o, log) {
  const redis = await startRedis();
  try {
    const n = o.clusterAudience;
    const timed = await audienceJoins(redis, n);
    log(`  (d) ${n} audience on 3 nodes: ${fmt.rate(timed.rate)}; commandstats ${(timed.total / n).toFixed(2)} per join (EVALSHA ${(timed.scripts / n).toFixed(2)})`);
    const watched = await audienceJoins(redis, n, true);
    const { sent, inner } = watched.monitored;
    log(`  (d) the same under MONITOR: ${(sent / n).toFixed(2)} commands sent per join, ${(inner / n).toFixed(2)} redis.call()s inside scripts`);
    const what = `${n.toLocaleString('en-US')} audience over 3 nodes on Redis`;
    return [
      row('d', `${what}: audience joins per second`, fmt.rate(timed.rate), `50 joins in flight${reopened(timed.retried)}`, null, null),
      row('d', `${what}: commands the nodes sent per join (EVALSHA + plain)`, (sent / n).toFixed(2), `EVALSHA ${(timed.scripts / n).toFixed(2)}; redis.call()s inside scripts ${(inner / n).toFixed(2)}`, '<= 3', sent / n <= 3),
      row('d', `${what}: INFO commandstats calls per join`, (timed.total / n).toFixed(2), 'sent + inside scripts', null, null),
    ];
  } finally {
    await redis.stop();
  }
}
