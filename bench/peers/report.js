// The printed result of bench:peers: one table of ratios (with the figures they come from), then
// how the cost grows with the number of connections.
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const ratio = (a, b) => (Number.isFinite(a / b) ? (a / b).toFixed(2) : '—');
const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;
const pct = (p) => `${p.toFixed(2)} %`;
const ms = (x) => (x >= 100 ? `${x.toFixed(0)} ms` : `${x.toFixed(2)} ms`);

function capacityOf(results, system, size) {
  const runs = results.capacity.filter((r) => r.system === system && r.size === size);
  if (runs.length === 0) return null;
  return { cpu: median(runs.map((r) => r.cpu)), perConn: median(runs.map((r) => r.perConn)), rss0: median(runs.map((r) => r.rss0)) };
}
/**
 * Medians over the rounds of each round's percentiles. A round's p99 (the 100th worst of 10,000)
 * is steady within the round; whole rounds are not: this machine stalls now and then for tens of
 * ms, and a round caught in that has hundreds of slow samples, which would set a p99 of the rounds'
 * samples pooled. The median ignores one such round.
 */
function latencyOf(results, system) {
  const runs = results.latency.filter((r) => r.system === system);
  if (runs.length === 0) return null;
  return { p50: median(runs.map((r) => r.p50)), p99: median(runs.map((r) => r.p99)), lost: runs.reduce((n, r) => n + r.lost, 0) };
}

/** The p-th percentile of the rounds (the ceil(p/100 * n)-th smallest: the largest of fewer than 100). */
const percentile = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};

function reconnectOf(results, system) {
  const runs = results.reconnect.filter((r) => r.system === system);
  if (runs.length === 0) return null;
  const outages = runs.map((r) => r.outage);
  return { outage: median(outages), outageP99: percentile(outages, 99), restart: median(runs.map((r) => r.restart)), n: runs.length };
}

export function printReport(results, o) {
  const rows = [];
  const tag = (id, before) => (before ? `${id}@before` : id);
  const withBefore = o.before !== null;
  /** A row: the ratio now, the ratio before (same run), the target, and the figures now. */
  const add = (metric, at, now, before, target, figures) => rows.push([metric, at, now, withBefore ? before : null, target, figures]);

  for (const size of o.sizes) {
    const c = (id, before = false) => capacityOf(results, tag(id, before), size);
    const ws = capacityOf(results, 'ws', size);
    const sio = capacityOf(results, 'sio', size);
    if (!ws) continue;
    const at = size.toLocaleString('en-US');
    const cpuTarget = size >= 10000 ? '<= 1.10' : '';
    for (const [id, name] of [['cl', 'channel-link'], ['cl-redis', 'channel-link (Redis)']]) {
      const now = c(id);
      const before = c(id, true);
      if (!now) continue;
      add(`CPU ${name} / raw ws`, at, ratio(now.cpu, ws.cpu), before && ratio(before.cpu, ws.cpu), id === 'cl' ? cpuTarget : '', `${pct(now.cpu)} / ${pct(ws.cpu)}`);
    }
    const cl = c('cl');
    if (sio && cl) add('CPU Socket.IO / channel-link', at, ratio(sio.cpu, cl.cpu), c('cl', true) && ratio(sio.cpu, c('cl', true).cpu), size >= 10000 ? '> 1' : '', `${pct(sio.cpu)} / ${pct(cl.cpu)}`);
    for (const [id, name] of [['cl', 'channel-link'], ['cl-redis', 'channel-link (Redis)']]) {
      const now = c(id);
      const before = c(id, true);
      if (!now) continue;
      add(`RSS/conn ${name} / raw ws`, at, ratio(now.perConn, ws.perConn), before && ratio(before.perConn, ws.perConn), id === 'cl' ? '<= 1.25' : '', `${kb(now.perConn)} / ${kb(ws.perConn)}`);
    }
    if (sio) add('RSS/conn Socket.IO / raw ws', at, ratio(sio.perConn, ws.perConn), null, '', `${kb(sio.perConn)} / ${kb(ws.perConn)}`);
    // The floor driven by channel-link's own clients: what the server alone adds (for information).
    const wsJoin = capacityOf(results, 'ws-join', size);
    if (wsJoin && cl) {
      add('CPU channel-link / raw ws, joined (same clients)', at, ratio(cl.cpu, wsJoin.cpu), c('cl', true) && ratio(c('cl', true).cpu, wsJoin.cpu), '', `${pct(cl.cpu)} / ${pct(wsJoin.cpu)}`);
      add('CPU raw ws, joined / raw ws', at, ratio(wsJoin.cpu, ws.cpu), null, '', `${pct(wsJoin.cpu)} / ${pct(ws.cpu)}`);
      add('RSS/conn channel-link / raw ws, joined', at, ratio(cl.perConn, wsJoin.perConn), c('cl', true) && ratio(c('cl', true).perConn, wsJoin.perConn), '', `${kb(cl.perConn)} / ${kb(wsJoin.perConn)}`);
    }
  }

  const sio = latencyOf(results, 'sio');
  if (sio) {
    for (const mode of ['worker', 'inline']) {
      const now = latencyOf(results, `cl-${mode}`);
      const before = latencyOf(results, `cl-${mode}@before`);
      if (!now) continue;
      const at = `${o.rate} msg/s`;
      add(`latency p50 channel-link ${mode} / Socket.IO`, at, ratio(now.p50, sio.p50), before && ratio(before.p50, sio.p50), '', `${ms(now.p50)} / ${ms(sio.p50)}`);
      add(`latency p99 channel-link ${mode} / Socket.IO`, at, ratio(now.p99, sio.p99), before && ratio(before.p99, sio.p99), mode === 'worker' ? '<= 1.50' : '', `${ms(now.p99)} / ${ms(sio.p99)}`);
    }
  }
  // References for the worker mode: what threads alone cost here, with Socket.IO's stack.
  const clWorker = latencyOf(results, 'cl-worker');
  const references = [
    ['sio-hops', 'Socket.IO + 2 thread hops'],
    ['sio-workers', 'Socket.IO, each client on a worker'],
  ];
  for (const [id, name] of references) {
    const ref = latencyOf(results, id);
    if (!sio || !ref) continue;
    const at = `${o.rate} msg/s`;
    add(`latency p99 ${name} / Socket.IO`, at, ratio(ref.p99, sio.p99), null, '', `${ms(ref.p99)} / ${ms(sio.p99)}`);
    if (clWorker) add(`latency p99 channel-link worker / ${name}`, at, ratio(clWorker.p99, ref.p99), null, '', `${ms(clWorker.p99)} / ${ms(ref.p99)}`);
  }
  const sioR = reconnectOf(results, 'sio');
  const clR = reconnectOf(results, 'cl');
  const clRb = reconnectOf(results, 'cl@before');
  if (sioR && clR) {
    add('reconnect after outage: channel-link / Socket.IO', `${o.outageMs / 1000} s`, ratio(clR.outage, sioR.outage), clRb && ratio(clRb.outage, sioR.outage), '', `${ms(clR.outage)} / ${ms(sioR.outage)}`);
    add('reconnect after restart: channel-link / Socket.IO', 'restart', ratio(clR.restart, sioR.restart), clRb && ratio(clRb.restart, sioR.restart), '', `${ms(clR.restart)} / ${ms(sioR.restart)}`);
  }
  if (clR) {
    // Absolute: how soon after the way is back the client is CONNECTED (docs/behaviour.md, Reconnection timing).
    const at = `${o.outageMs / 1000} s, ${clR.n} rounds`;
    add('reconnect after outage, channel-link median', at, ms(clR.outage), clRb && ms(clRb.outage), '<= 400 ms', sioR ? `Socket.IO ${ms(sioR.outage)}` : '');
    add('reconnect after outage, channel-link p99', at, ms(clR.outageP99), clRb && ms(clRb.outageP99), '<= 1000 ms', sioR ? `Socket.IO ${ms(sioR.outageP99)}` : '');
  }

  const header = ['ratio', 'at', 'now', ...(withBefore ? ['before'] : []), 'target', 'figures now (a / b)'];
  const table = rows.map((r) => r.filter((_, i) => i !== 3 || withBefore).map((cell) => cell ?? '—'));
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((r) => String(r[i]).length)));
  const right = new Set([2, 3, 4].slice(0, withBefore ? 3 : 2));
  const line = (cells) => `| ${cells.map((c, i) => (right.has(i) ? String(c).padStart(widths[i]) : String(c).padEnd(widths[i]))).join(' | ')} |`;
  console.log(`\nchannel-link vs Socket.IO 4 vs raw ws — node ${process.version}, ${o.rounds} round(s); medians of the rounds (latency: ${o.latencyS} s at ${o.rate} msg/s per round); ` +
    `window ${o.windowS} s, channels of 10, 1 Hz heartbeats; load (1/5/15 min) at start ${o.loadStart}, at end ${o.loadEnd}; ${o.minutes.toFixed(1)} min\n`);
  console.log(line(header));
  console.log(`|${widths.map((w, i) => (right.has(i) ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`);
  for (const r of table) console.log(line(r));

  // How the cost grows: CPU per 1k connections at each size (flat = linear), and what 100k need.
  if (results.capacity.length > 0) {
    console.log('\nserver cost per 1,000 idle connections (CPU % of one core; RSS):');
    for (const system of o.systems) {
      const cells = o.sizes
        .map((size) => {
          const m = capacityOf(results, system.id, size);
          return m && `${size.toLocaleString('en-US')}: ${((m.cpu * 1000) / size).toFixed(2)} %, ${((m.perConn * 1000) / 2 ** 20).toFixed(1)} MB`;
        })
        .filter(Boolean);
      if (cells.length) console.log(`  ${system.label.padEnd(30)} ${cells.join('  ')}`);
    }
    const top = Math.max(...o.sizes);
    const cl = capacityOf(results, 'cl', top);
    if (cl) {
      const cpu100k = (cl.cpu * 100_000) / top;
      const mem100k = cl.rss0 + cl.perConn * 100_000;
      console.log(
        `\nopen files: ulimit -n here is ${o.fd?.soft ?? '?'} per process (each connection is one file, so ~${(top / 1000).toFixed(0)}k is the top here). ` +
          `One channel-link node with 100,000 idle connections needs, at the rates above: ulimit -n >= ~100,100 (sockets plus a few dozen files), ` +
          `~${(mem100k / 2 ** 30).toFixed(1)} GB of RSS, and ~${cpu100k.toFixed(0)} % of one core for the heartbeats` +
          `${cpu100k > 100 ? ' (more than one core: a single Node process cannot; run several nodes on the Redis store)' : ''}.`,
      );
    }
  }
}
