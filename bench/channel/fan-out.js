// Part (c) of bench:channel: fan-out. One host (in this process) publishes FANOUT_RATE msg/s for
// WINDOW_S to FANOUT subscribed audience members (raw clients in 2 child processes): the server's
// CPU while it sends, and each delivery's latency; beside the raw ws floor (./floor-server.js)
// sending the same data frames to as many subscribed sockets.
import { summarize } from '../stats.js';
import { startCrowd } from './crowds.js';
import { sleep, timedDeliveries } from './measure.js';
import { fmt, row } from './report.js';
import { channelLinkServer, referenceServer } from './servers.js';
import { joinedMember } from './wire.js';

const CHANNEL = 'fan-out';

async function fanOutOn(server, o) {
  let publisher = null;
  let crowd = null;
  try {
    publisher = await joinedMember(server.url, { channel: CHANNEL, uid: 1, role: 'host' });
    await publisher.request({ type: 'publish', streamId: 'live' });
    crowd = await startCrowd({ urls: [server.url], channel: CHANNEL, count: o.fanout, firstUid: 1000, role: 'audience' });
    await crowd.join();
    const sub = await crowd.subscribe(1, 'live');
    if (sub.errors > 0) throw new Error(`(c) ${sub.errors} subscriptions refused`);
    await sleep(o.settleS * 1000);
    const count = o.fanoutRate * o.windowS;
    const data = await timedDeliveries({ server, publisher, streamId: 'live', crowd, count, rate: o.fanoutRate, expected: count * o.fanout });
    return { cpu: data.cpuPercent, latency: summarize(data.ages), lost: data.lost };
  } finally {
    await crowd?.stop();
    publisher?.close();
    await server.stop();
  }
}

export async function fanOut(o, log) {
  const cl = await fanOutOn(await channelLinkServer(), o);
  log(`  (c) channel-link: ${fmt.pct(cl.cpu)}, p50 ${fmt.ms(cl.latency.p50)} p99 ${fmt.ms(cl.latency.p99)}, lost ${cl.lost}`);
  const floor = await fanOutOn(await referenceServer('floor'), o);
  log(`  (c) raw ws floor: ${fmt.pct(floor.cpu)}, p50 ${fmt.ms(floor.latency.p50)} p99 ${fmt.ms(floor.latency.p99)}, lost ${floor.lost}`);
  const ratio = cl.cpu / floor.cpu;
  const what = `1 host at ${o.fanoutRate} msg/s to ${o.fanout.toLocaleString('en-US')} audience`;
  return [
    row('c', `${what}: server CPU, / raw ws`, fmt.ratio(ratio), `${fmt.pct(cl.cpu)} / ${fmt.pct(floor.cpu)}`, '<= 1.3x', ratio <= 1.3),
    row('c', `${what}: delivery p99`, fmt.ms(cl.latency.p99), `raw ws ${fmt.ms(floor.latency.p99)}; lost ${cl.lost} (raw ws ${floor.lost})`, '<= 50 ms', cl.latency.p99 <= 50 && cl.lost === 0),
  ];
}
