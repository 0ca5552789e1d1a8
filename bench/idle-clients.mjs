// Prints the CPU that idle clients cost their process: N clients created (not joined, so no
// socket and no heartbeat), left alone for a while, measured with process.cpuUsage() (every
// thread of the process). What is left is the per-client background work, such as watching the
// network for an `online` signal. Usage:
//   node bench/idle-clients.mjs [--clients 500] [--worker inline|thread] [--seconds 20]
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { createClient } from 'channel-link';

const { values } = parseArgs({
  options: { clients: { type: 'string', default: '500' }, worker: { type: 'string', default: 'inline' }, seconds: { type: 'string', default: '20' } },
});
const count = Number(values.clients);
const seconds = Number(values.seconds);
if (!(count > 0) || !(seconds > 0) || !['inline', 'thread'].includes(values.worker)) {
  console.error('usage: node bench/idle-clients.mjs [--clients N] [--worker inline|thread] [--seconds S]');
  process.exit(2);
}

// Started ten at a time: worker threads are slow to start on a small machine.
const clients = [];
while (clients.length < count) {
  const batch = Array.from({ length: Math.min(10, count - clients.length) }, () =>
    createClient({ url: 'ws://127.0.0.1:9', worker: values.worker === 'inline' ? 'inline' : 'auto' }),
  );
  await Promise.all(batch.map((client) => client.getStats())); // every engine is up
  clients.push(...batch);
}
await sleep(2000); // let start-up work settle

const before = process.cpuUsage();
const startedAt = performance.now();
await sleep(seconds * 1000);
const used = process.cpuUsage(before);
const elapsedMs = performance.now() - startedAt;
const percent = ((used.user + used.system) / 1000 / elapsedMs) * 100;
console.log(`${count} idle clients (engine ${values.worker === 'inline' ? 'inline' : 'on worker_threads'}): ${percent.toFixed(2)} % of one core over ${seconds} s`);

await Promise.all(clients.map((client) => client.destroy()));
