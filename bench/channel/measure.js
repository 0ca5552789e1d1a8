// Measurements that several parts of bench:channel take the same way.
import { setTimeout as sleep } from 'node:timers/promises';
import { pacedSend } from '../stats.js';
import { now } from './wire.js';

export { sleep };

/** Float64Arrays end to end, in one. */
export function concatSamples(arrays) {
  const out = new Float64Array(arrays.reduce((n, a) => n + a.length, 0));
  let at = 0;
  for (const a of arrays) {
    out.set(a, at);
    at += a.length;
  }
  return out;
}

/** The server's CPU over `seconds` of whatever runs meanwhile, as % of one core. */
export async function cpuPercentOver(server, seconds) {
  const cpu0 = server.cpu();
  const t0 = now();
  await sleep(seconds * 1000);
  return ((server.cpu() - cpu0) / ((now() - t0) / 1000)) * 100;
}

/**
 * `publisher` sends `count` timed messages on `streamId` at `rate` msg/s; resolves with the age
 * of every delivery to `crowd` once `expected` arrived, or once none came for `quietMs` (the
 * rest is lost), and the server's CPU % of one core while they were sent.
 */
export async function timedDeliveries({ server, publisher, streamId, crowd, count, rate, expected, quietMs = 15_000 }) {
  await crowd.samples(); // what came before is not part of it
  const cpu0 = server.cpu();
  const t0 = now();
  await pacedSend(count, rate, () => publisher.sendTimed(streamId));
  const cpuPercent = ((server.cpu() - cpu0) / ((now() - t0) / 1000)) * 100;
  const parts = [];
  let got = 0;
  let lastArrival = now();
  while (got < expected && now() - lastArrival < quietMs) {
    await sleep(200);
    const ages = await crowd.samples();
    if (ages.length > 0) lastArrival = now();
    parts.push(ages);
    got += ages.length;
  }
  return { ages: concatSamples(parts), lost: expected - got, cpuPercent };
}
