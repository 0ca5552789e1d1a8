// What the crowd processes share (bench/idle-crowd.js, bench/peers/crowd-ws.js,
// bench/peers/crowd-socketio.js): opening many clients with a bounded number in flight, a 1 Hz
// send spread over each second, and the parent's IPC.

/**
 * Opens `count` clients (uids firstUid, firstUid + 1, ...), at most `concurrency` in flight:
 * `open(uid, up)` starts one and calls up() once it is ready. Resolves once all are.
 */
export function openAll({ count, firstUid, concurrency = 100 }, open) {
  return new Promise((resolve) => {
    if (count === 0) return resolve();
    let started = 0;
    let ready = 0;
    const next = () => {
      if (started >= count) return;
      open(firstUid + started++, () => {
        if (++ready === count) resolve();
        next();
      });
    };
    for (let i = 0; i < Math.min(concurrency, count); i++) next();
  });
}

/**
 * Sends to each client of `clients` (read at every tick: it may grow) once a second, in 20 slices
 * of the second, as independent clients' timers are spread: `frameOf(now)` makes one frame per tick.
 */
export function oncePerSecondEach(clients, frameOf, send) {
  let slice = 0;
  setInterval(() => {
    const frame = frameOf(Date.now());
    for (let i = slice; i < clients.length; i += 20) send(clients[i], frame);
    slice = (slice + 1) % 20;
  }, 50);
}

/** The parent's IPC: 'stop' runs `close` and exits; so does the parent going away. */
export function exitOnStop(close = () => {}) {
  process.on('message', (msg) => {
    if (msg?.type !== 'stop') return;
    close();
    process.exit(0);
  });
  process.on('disconnect', () => process.exit(0));
}
