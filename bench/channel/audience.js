// Part (b) of bench:channel: one node, 5 hosts (in this process) and AUDIENCE audience members
// (raw clients in 2 child processes). Measured: audience joins per second (50 in flight); the
// server's idle CPU over WINDOW_S against the raw ws floor (./floor-server.js) holding as many
// sockets with the same 1 Hz heartbeats; how long a 6th host's peer-online takes to reach every
// audience member (ROUNDS joins, from its join frame); and how long host 1's stream messages
// take to reach every audience member, all subscribed (MESSAGES at RATE msg/s).
import { summarize } from '../stats.js';
import { startCrowd } from './crowds.js';
import { cpuPercentOver, sleep, timedDeliveries } from './measure.js';
import { fmt, reopened, row } from './report.js';
import { channelLinkServer, referenceServer } from './servers.js';
import { joinedMember, now } from './wire.js';

const HOSTS = 5;
const CHANNEL = 'audience';
/** Audience uids start here: hosts are 1..HOSTS, and the 6th host joins as HOSTS + 1. */
const FIRST_AUDIENCE_UID = 1000;

async function channelLinkRun(o, log) {
  const server = await channelLinkServer();
  const hosts = [];
  let crowd = null;
  try {
    for (let uid = 1; uid <= HOSTS; uid++) hosts.push(await joinedMember(server.url, { channel: CHANNEL, uid, role: 'host' }));
    await hosts[0].request({ type: 'publish', streamId: 'live' });
    crowd = await startCrowd({ urls: [server.url], channel: CHANNEL, count: o.audience, firstUid: FIRST_AUDIENCE_UID, role: 'audience' });
    const t0 = now();
    const joined = await crowd.join();
    const joinRate = o.audience / ((joined.at - t0) / 1000);
    log(`  (b) ${o.audience} audience joined: ${fmt.rate(joinRate)}${reopened(joined.retried)}`);

    await sleep(o.settleS * 1000);
    const idle = await cpuPercentOver(server, o.windowS);
    log(`  (b) idle, channel-link: ${fmt.pct(idle)}`);

    const online = [];
    for (let r = 0; r < o.rounds; r++) {
      await crowd.watch(HOSTS + 1);
      // A join that fails says so at once, rather than leave the crowd waiting.
      const [times, sixth] = await Promise.all([crowd.seen(), joinedMember(server.url, { channel: CHANNEL, uid: HOSTS + 1, role: 'host' })]);
      for (const t of times) online.push(t - sixth.joinSentAt);
      await sixth.request({ type: 'leave' });
      sixth.close();
      // A lone change goes out at once only when the last presence frame is a gap old (in a
      // channel of 10,000 members on a node, 1 s: docs/protocol.md, Presence).
      await sleep(1500);
    }
    const peerOnline = summarize(online);
    log(`  (b) 6th host's peer-online: p50 ${fmt.ms(peerOnline.p50)} p99 ${fmt.ms(peerOnline.p99)} max ${fmt.ms(peerOnline.max)}`);

    const sub = await crowd.subscribe(1, 'live');
    if (sub.errors > 0) throw new Error(`(b) ${sub.errors} subscriptions refused`);
    const expected = o.audience * o.messages;
    const data = await timedDeliveries({ server, publisher: hosts[0], streamId: 'live', crowd, count: o.messages, rate: o.rate, expected });
    const message = summarize(data.ages);
    log(`  (b) host 1's messages: p50 ${fmt.ms(message.p50)} p99 ${fmt.ms(message.p99)} max ${fmt.ms(message.max)}, lost ${data.lost}`);
    return { joinRate, retried: joined.retried, idle, peerOnline, message, lost: data.lost, rounds: o.rounds };
  } finally {
    await crowd?.stop();
    for (const host of hosts) host.close();
    await server.stop();
  }
}

/**
 * The floor: as many sockets with the same heartbeats, on a server that does nothing else; its
 * joins per second show what the machine and the clients allow.
 */
async function floorRun(o) {
  const server = await referenceServer('floor');
  let crowd = null;
  try {
    crowd = await startCrowd({ urls: [server.url], channel: CHANNEL, count: o.audience + HOSTS, firstUid: 1, role: 'audience' });
    const t0 = now();
    const joined = await crowd.join();
    const joinRate = (o.audience + HOSTS) / ((joined.at - t0) / 1000);
    await sleep(o.settleS * 1000);
    return { joinRate, idle: await cpuPercentOver(server, o.windowS) };
  } finally {
    await crowd?.stop();
    await server.stop();
  }
}

export async function audienceNode(o, log) {
  const cl = await channelLinkRun(o, log);
  const floor = await floorRun(o);
  log(`  (b) raw ws floor: joins ${fmt.rate(floor.joinRate)}, idle ${fmt.pct(floor.idle)}`);
  const ratio = cl.idle / floor.idle;
  const size = `${o.audience.toLocaleString('en-US')} audience + ${HOSTS} hosts`;
  return [
    row('b', `${size}: audience joins per second`, fmt.rate(cl.joinRate), `raw ws floor ${fmt.rate(floor.joinRate)}; 50 joins in flight${reopened(cl.retried)}`, '>= 2,000/s', cl.joinRate >= 2000),
    row('b', `${size}: idle server CPU, / raw ws`, fmt.ratio(ratio), `${fmt.pct(cl.idle)} / ${fmt.pct(floor.idle)}`, '<= 1.2x', ratio <= 1.2),
    row('b', `${size}: a 6th host's peer-online to all, p99`, fmt.ms(cl.peerOnline.p99), `p50 ${fmt.ms(cl.peerOnline.p50)}, max ${fmt.ms(cl.peerOnline.max)}, ${cl.rounds} joins`, '<= 1000 ms', cl.peerOnline.p99 <= 1000),
    row('b', `${size}: a host's message to all, p99`, fmt.ms(cl.message.p99), `p50 ${fmt.ms(cl.message.p50)}, max ${fmt.ms(cl.message.max)}, lost ${cl.lost}`, '<= 1000 ms', cl.message.p99 <= 1000 && cl.lost === 0),
  ];
}
