// npm run bench:quality — how fast network quality shows a slow link and its recovery, at the
// defaults (1 s heartbeats, 2 s reporting): 600 ms added each way to one user's link (the SDK's
// debug.simulateLatency, which delays every frame in its worker both ways), then removed.
// Printed beside the targets: the user's own score 3 or worse within 6 s, its peer sees it within
// 8 s, back to 2 or better within 10 s of the link recovering, with no reconnect and no timeout.
import { pathToFileURL } from 'node:url';
import { fileURLToPath } from 'node:url';
import { startServerProcess } from './server-process.js';

const ROUNDS = Number(process.env.ROUNDS ?? 3);
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const { createClient } = await import(pathToFileURL(`${ROOT}dist/src/index.node.js`).href);

const worst = (q) => (q ? Math.max(q.uplinkNetworkQuality, q.downlinkNetworkQuality) : 0);
/** Resolves with the ms until `check()` holds (polled every 20 ms), or rejects after `limitMs`. */
async function timeUntil(check, limitMs) {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > limitMs) throw new Error(`not within ${limitMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return Date.now() - start;
}

const server = await startServerProcess();
console.log(`channel-link network-quality benchmark — node ${process.version}, server ${server.url} (own process), ${ROUNDS} rounds\n`);
const results = [];
try {
  for (let round = 1; round <= ROUNDS; round++) {
    const slow = createClient({ url: server.url, worker: 'inline' });
    const peer = createClient({ url: server.url, worker: 'inline' });
    let stateChanges = 0;
    let leaves = 0;
    slow.connectionStateChange$.subscribe(() => stateChanges++);
    peer.on('peer-leave', () => leaves++);
    try {
      await slow.join(null, `quality-${round}`, 1);
      await peer.join(null, `quality-${round}`, 2);
      // A settled, healthy link first.
      await timeUntil(() => worst(slow.getNetworkQuality()) > 0 && worst(slow.getNetworkQuality()) <= 2, 15_000);
      await timeUntil(() => worst(peer.getRemoteNetworkQuality().get(1)) > 0, 15_000);
      const changesBefore = stateChanges;
      await slow.debug.simulateLatency(600);
      const [local, atPeer] = await Promise.all([
        timeUntil(() => worst(slow.getNetworkQuality()) >= 3, 30_000),
        timeUntil(() => worst(peer.getRemoteNetworkQuality().get(1)) >= 3, 30_000),
      ]);
      await slow.debug.simulateLatency(0);
      const [recover, peerRecover] = await Promise.all([
        timeUntil(() => worst(slow.getNetworkQuality()) <= 2, 30_000),
        timeUntil(() => worst(peer.getRemoteNetworkQuality().get(1)) <= 2, 30_000),
      ]);
      results.push({ local, atPeer, recover, peerRecover, reconnects: stateChanges - changesBefore, leaves });
      console.log(`round ${round}: local ${local} ms, peer ${atPeer} ms, recovered ${recover} ms (peer ${peerRecover} ms), state changes ${stateChanges - changesBefore}, leaves ${leaves}`);
    } finally {
      await slow.destroy();
      await peer.destroy();
    }
  }
} finally {
  await server.stop();
}

const max = (key) => Math.max(...results.map((r) => r[key]));
const line = (label, ms, target) => console.log(`${label.padEnd(48)} ${`${(ms / 1000).toFixed(1)} s`.padStart(7)}   target <= ${target} s   ${ms <= target * 1000 ? 'ok' : 'MISSED'}`);
console.log('\nworst of the rounds:');
line('own score 3 or worse after the slow-down', max('local'), 6);
line("the peer sees 3 or worse", max('atPeer'), 8);
line('own score back to 2 or better after recovery', max('recover'), 10);
line('the peer sees 2 or better after recovery', max('peerRecover'), 10);
console.log(`${'reconnects / timeouts meanwhile'.padEnd(48)} ${String(max('reconnects') + max('leaves')).padStart(7)}   target 0`);
