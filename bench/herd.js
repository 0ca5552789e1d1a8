// npm run bench:herd — how a crowd of clients comes back after its node restarts, and what a long
// outage costs each client (docs/behaviour.md, Reconnection timing; docs/operations.md, Admission
// control). In one run, with the machine's load average, each figure beside its target:
//  - 500 SDK clients (engine inline, in child processes) in channels of 10; the node is SIGKILLed
//    and a new one listens on its port DOWN_MS later: % CONNECTED within 1 s of the node answering again, leaves
//    seen, the node's CPU peak (per second);
//  - 5,000 clients in channels of 10, the same restart: clients that gave up, all back within, the
//    node's event-loop lag p99 over the admission, joins deferred. 5,000 SDK engines are more than
//    this machine runs beside the node, so these are raw protocol clients driven by the SDK's own
//    reconnect policy (bench/herd/raw-clients.js);
//  - the attempts one client makes over a 20-minute outage, this policy and the one before, on a
//    virtual clock.
// Env: SMALL (500) LARGE (5000) DOWN_MS (1500) PROCESSES (4) MAX_JOINS_IN_FLIGHT (the default)
//      PARTS (small,large,idle)
import { idleOutageAttempts } from './herd/idle-attempts.js';
import { restartUnderHerd } from './herd/restart.js';
import { loadavg } from './peers/proc.js';

const num = (name, fallback) => {
  const value = Number(process.env[name] ?? fallback);
  if (!(value > 0)) throw new Error(`${name} must be a positive number`);
  return value;
};
const o = {
  small: num('SMALL', 500),
  large: num('LARGE', 5000),
  downMs: num('DOWN_MS', 1500),
  processes: num('PROCESSES', 4),
  parts: (process.env.PARTS ?? 'small,large,idle').split(','),
  options: process.env.MAX_JOINS_IN_FLIGHT ? { maxJoinsInFlight: num('MAX_JOINS_IN_FLIGHT') } : {},
};
const log = (line) => process.stderr.write(`${line}\n`);
const loadStart = loadavg();
const startedAt = Date.now();
log(`bench:herd — node ${process.version}, load ${loadStart}; ${o.small} and ${o.large} clients, node down ${o.downMs} ms`);

const rows = [];
/** A row: what, the figure, the target, and whether the figure meets it. */
const add = (what, figure, target, met) => rows.push([what, figure, target, met === null ? '' : met ? 'met' : 'MISSED']);
const ms = (x) => (Number.isFinite(x) ? `${Math.round(x)} ms` : 'not all back');
const pct = (x) => `${x.toFixed(1)} %`;
const counts = (c) => `${c.resume + c.join} (resume ${c.resume}, join ${c.join})`;

if (o.parts.includes('small')) {
  const r = await restartUnderHerd({ kind: 'sdk', clients: o.small, channelSize: 10, processes: Math.min(o.processes, 2), downMs: o.downMs, options: o.options });
  const at = `${o.small} SDK clients`;
  add(`${at}: CONNECTED within 1 s of the node answering`, `${pct((100 * r.withinOneSecond) / r.clients)} (p50 ${ms(r.p50)}, p99 ${ms(r.p99)}, last ${ms(r.allBackMs)})`, '>= 99 %', r.withinOneSecond >= 0.99 * r.clients);
  add(`${at}: leaves seen by any client`, String(r.leaves), '0', r.leaves === 0);
  add(`${at}: node CPU peak (1 s windows)`, pct(r.cpuPeak), '< 90 %', r.cpuPeak < 90);
  add(`${at}: deferred / admitted`, `${counts(r.deferred)} / ${counts(r.admitted)}`, '', null);
  add(`${at}: node event-loop lag p99 / the clients' processes' lag, max`, `${r.lag.p99.toFixed(0)} ms / ${r.clientLagMax.toFixed(0)} ms`, '', null);
  log(`  small: ${JSON.stringify(r)}`);
}
if (o.parts.includes('large')) {
  const r = await restartUnderHerd({ kind: 'raw', clients: o.large, channelSize: 10, processes: o.processes, downMs: o.downMs, options: o.options });
  const at = `${o.large} raw clients`;
  add(`${at}: gave up`, String(r.gaveUp), '0', r.gaveUp === 0);
  add(`${at}: all back within (of the node answering)`, `${ms(r.allBackMs)} (p50 ${ms(r.p50)}, p99 ${ms(r.p99)})`, '<= 10000 ms', r.allBackMs <= 10_000);
  add(`${at}: node event-loop lag p99 over the admission`, `${r.lag.p99.toFixed(0)} ms (p50 ${r.lag.p50.toFixed(0)}, max ${r.lag.max.toFixed(0)})`, '< 200 ms', r.lag.p99 < 200);
  add(`${at}: joins deferred`, `${counts(r.deferred)}, of ${counts(r.admitted)} admitted`, '', null);
  add(`${at}: leaves seen by any client`, String(r.leaves), '0', r.leaves === 0);
  add(`${at}: node CPU peak (1 s windows)`, pct(r.cpuPeak), '', null);
  add(`${at}: the clients' processes' event-loop lag, max`, `${r.clientLagMax.toFixed(0)} ms`, '', null);
  log(`  large: ${JSON.stringify(r)}`);
}
if (o.parts.includes('idle')) {
  const a = idleOutageAttempts();
  const line = (kind, r) => add(`20-min outage, attempts ${kind}: now / before (mean of 100 clients; largest)`, `${r.now.mean.toFixed(0)} / ${r.before.mean.toFixed(0)} (${r.now.max} / ${r.before.max})`, 'now <= before', r.now.max <= r.before.mean);
  line('refused at once', a.refused);
  line('each waiting out 4 s', a.blackholed);
  add('first 5 s of an outage, attempts: now / before', `${a.firstFiveSeconds.now.mean.toFixed(0)} / ${a.firstFiveSeconds.before.mean.toFixed(0)}`, '', null);
}

const header = ['measure', 'figure', 'target', ''];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
const line = (cells) => `| ${cells.map((c, i) => String(c).padEnd(widths[i])).join(' | ')} |`;
console.log(`\nbench:herd — node ${process.version}, node restarts (SIGKILL, a new node on the port ${o.downMs} ms later); load (1/5/15 min) at start ${loadStart}, at end ${loadavg()}; ${((Date.now() - startedAt) / 60000).toFixed(1)} min\n`);
console.log(line(header));
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
for (const r of rows) console.log(line(r));
