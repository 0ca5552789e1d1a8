// A child process of SDK clients (createClient with worker: 'inline') joining one channel as
// hosts (bench:channel, part a): it counts each client's peers$ emissions from its join on, and
// says when every client's peers$ holds all `expect` others. Same IPC as ./crowd.js ('ready' first):
//   env CROWD = JSON { urls, channel, count, firstUid, concurrency, expect }
//   join -> { type: 'join', at, joined }, then { type: 'complete', at };
//   stats -> { type: 'stats', frames: [peers$ emissions per client] }; stop -> destroys all, exits.
import { createClient } from 'channel-link';
import { exitOnStop, openAll } from '../crowd-kit.js';
import { now } from './wire.js';

const cfg = JSON.parse(process.env.CROWD);
const clients = [];
let complete = 0;

function open(uid, up) {
  const client = createClient({ url: cfg.urls[uid % cfg.urls.length], worker: 'inline' });
  const c = { client, emissions: 0, done: false, sub: null };
  clients.push(c);
  // peers$ replays its current value (empty) on subscribe: that one is not an emission of the join.
  let first = true;
  c.sub = client.peers$.subscribe((peers) => {
    if (first) return void (first = false);
    c.emissions++;
    if (!c.done && peers.size === cfg.expect) {
      c.done = true;
      if (++complete === cfg.count) process.send({ type: 'complete', at: now() });
    }
  });
  client.join(null, cfg.channel, uid).then(up, (err) => {
    process.stderr.write(`sdk crowd: uid ${uid}: join failed: ${err.code ?? ''} ${err.message}\n`);
    process.exit(1);
  });
}

process.on('message', async (msg) => {
  if (msg?.type === 'join') {
    await openAll({ count: cfg.count, firstUid: cfg.firstUid, concurrency: cfg.concurrency }, open);
    process.send({ type: 'join', at: now(), joined: clients.length });
  } else if (msg?.type === 'stats') process.send({ type: 'stats', frames: clients.map((c) => c.emissions) });
});
exitOnStop(() => {
  for (const c of clients) {
    c.sub.unsubscribe();
    void c.client.destroy();
  }
});
process.send({ type: 'ready' });
