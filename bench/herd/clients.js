// A child process of real SDK clients for bench/herd.js: the engine inline (worker: 'inline'), the
// reconnect policy and admission handling exactly as an app gets them. Each joins a channel of
// `channelSize`, then idles (1 Hz heartbeats). env HERD_CLIENTS = JSON { url, count, firstUid,
// channelSize, prefix, concurrency }.
// IPC out: { type: 'ready' } once every client joined; in: 'mark' and 'report' (bench/herd/tally.js), 'stop'.
import { createClient } from '../../dist/src/index.node.js';
import { exitOnStop, openAll } from '../crowd-kit.js';
import { crowdTally } from './tally.js';

const cfg = JSON.parse(process.env.HERD_CLIENTS);
const clients = [];
const tally = crowdTally(() => clients.length);

function open(uid, up) {
  const index = uid - cfg.firstUid;
  const client = createClient({ url: cfg.url, worker: 'inline', appId: 'herd' });
  clients.push(client);
  client.on('connected', () => tally.connected(index));
  client.on('connection-attempt-failed', () => tally.marked && tally.attempts++);
  client.on('peer-leave', () => tally.marked && tally.leaves++);
  client.on('connection-state-change', ({ curState }) => tally.marked && curState === 'DISCONNECTED' && tally.gaveUp++);
  client.join(null, `${cfg.prefix}-${Math.floor(uid / cfg.channelSize)}`, uid).then(up, (error) => {
    process.stderr.write(`herd clients: uid ${uid} could not join: ${error.code} ${error.message}\n`);
    process.exit(1);
  });
}

exitOnStop(() => {
  for (const client of clients) void client.destroy();
});

await openAll({ count: cfg.count, firstUid: cfg.firstUid, concurrency: cfg.concurrency }, open);
process.send({ type: 'ready' });
