// Part (a) of bench:channel: a join storm of hosts into one channel. N raw clients join at once
// (50 in flight); measured: seconds from the first join until every member knows every other,
// the server's CPU-seconds meanwhile and the presence frames each member received; the same
// against the naive per-event server (./naive-server.js). Then SDK clients (worker: 'inline')
// the same way: seconds until every peers$ is complete, and peers$ emissions per member.
import { startCrowd } from './crowds.js';
import { fmt, reopened, row } from './report.js';
import { channelLinkServer, referenceServer, withCpu } from './servers.js';
import { now } from './wire.js';

const spread = (counts) => ({ max: Math.max(...counts), mean: counts.reduce((a, b) => a + b, 0) / counts.length });

/** `n` hosts of `kind` ('raw' | 'sdk') join one channel of `server`. */
async function storm(server, n, { kind = 'raw', processes }) {
  const crowd = await startCrowd({ kind, urls: [server.url], channel: `storm-${n}`, count: n, processes, role: 'host', expect: n - 1 });
  try {
    const t0 = now();
    const { value, cpu } = await withCpu(server, () => Promise.all([crowd.join(), crowd.complete()]));
    const [{ retried = 0 }, done] = value;
    return { seconds: (done - t0) / 1000, cpu, per: spread(await crowd.counts()), retried };
  } finally {
    await crowd.stop();
  }
}

async function measure(start, n, options) {
  const server = await start();
  try {
    return await storm(server, n, options);
  } finally {
    await server.stop();
  }
}

const channelLink = (n) => () => channelLinkServer(['--max-peers-per-channel', String(n)]);

export async function joinStorm(o, log) {
  const rows = [];
  for (const n of o.hosts) {
    const cl = await measure(channelLink(n), n, { processes: 2 });
    log(`  (a) ${n} hosts, channel-link: ${fmt.s(cl.seconds)}, ${fmt.cpu(cl.cpu)}, presence frames per member max ${cl.per.max} mean ${cl.per.mean.toFixed(1)}`);
    const naive = await measure(() => referenceServer('naive'), n, { processes: 2 });
    log(`  (a) ${n} hosts, naive:        ${fmt.s(naive.seconds)}, ${fmt.cpu(naive.cpu)}, presence frames per member max ${naive.per.max} mean ${naive.per.mean.toFixed(1)}`);
    const ratio = cl.cpu / naive.cpu;
    const label = `${n.toLocaleString('en-US')} hosts join one channel`;
    rows.push(
      row('a', `${label}: until all know all`, fmt.s(cl.seconds), `naive ${fmt.s(naive.seconds)}${reopened(cl.retried)}`, n >= 3000 ? '<= 8 s' : null, n >= 3000 ? cl.seconds <= 8 : null),
      row('a', `${label}: server CPU, / naive`, fmt.ratio(ratio), `${fmt.cpu(cl.cpu)} / ${fmt.cpu(naive.cpu)}`, '<= 0.1x', ratio <= 0.1),
      row('a', `${label}: presence frames per member, max (mean)`, `${cl.per.max} (${cl.per.mean.toFixed(1)})`, `naive ${naive.per.max} (${naive.per.mean.toFixed(1)})`, '<= 100', cl.per.max <= 100),
    );
  }
  if (o.sdkClients > 0) {
    const n = o.sdkClients;
    const sdk = await measure(channelLink(n), n, { kind: 'sdk', processes: 4 });
    log(`  (a) ${n} SDK clients: ${fmt.s(sdk.seconds)}, ${fmt.cpu(sdk.cpu)}, peers$ emissions per member max ${sdk.per.max} mean ${sdk.per.mean.toFixed(1)}`);
    const label = `${n.toLocaleString('en-US')} SDK clients (inline) join`;
    rows.push(
      row('a', `${label}: until every peers$ is complete`, fmt.s(sdk.seconds), `server ${fmt.cpu(sdk.cpu)}`, '<= 5 s', sdk.seconds <= 5),
      row('a', `${label}: peers$ emissions per member, max (mean)`, `${sdk.per.max} (${sdk.per.mean.toFixed(1)})`, null, '<= 100', sdk.per.max <= 100),
    );
  }
  return rows;
}
