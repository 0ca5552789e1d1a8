// One channel-link node for bench/herd.js, in its own process (so that it can be SIGKILLed and
// another started on the same port). env HERD_SERVER = JSON { port, options }. It loads, says
// { type: 'loaded' }, and listens when told 'listen' (so that a restart's downtime is what the
// bench says, not the time a process takes to start on a loaded machine).
// IPC out: { type: 'listening', port, at } (at: Date.now() once it accepts connections).
// IPC in: 'listen'; 'report' -> { type: 'report', lag: { p50, p99, max } (ms, since listening), counters }.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { startServer } from '../../dist/server/index.js';

const cfg = JSON.parse(process.env.HERD_SERVER);
// Event-loop lag as the node lives it, sampled every 10 ms: a turn that runs long shows as the delay of the next sample.
const lag = monitorEventLoopDelay({ resolution: 10 });
let server = null;
const ms = (ns) => ns / 1e6;

process.on('message', async (msg) => {
  if (msg === 'listen' && !server) {
    server = await startServer({ port: cfg.port, host: '127.0.0.1', logLevel: 'error', ...cfg.options });
    lag.enable();
    process.send({ type: 'listening', port: server.port, at: Date.now() });
  } else if (msg === 'report' && server) {
    process.send({ type: 'report', lag: { p50: ms(lag.percentile(50)), p99: ms(lag.percentile(99)), max: ms(lag.max) }, counters: server.stats().counters });
  }
});
process.on('disconnect', () => process.exit(0));
process.send({ type: 'loaded' });
