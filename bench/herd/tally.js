// What a crowd process of bench/herd.js records once the parent says 'mark' (just before it kills
// the node), and its answer to 'report': each client's first `connected` since the mark (Date.now(),
// null: not back), the peer-leaves and give-ups seen, the attempts that failed, and this process's
// own event-loop lag (how late its clients' timers ran).
import { monitorEventLoopDelay } from 'node:perf_hooks';

export function crowdTally(clientCount) {
  const lag = monitorEventLoopDelay({ resolution: 10 });
  const tally = {
    marked: false,
    back: [],
    leaves: 0,
    gaveUp: 0,
    attempts: 0,
    /** Client `index` is connected again (its first time since the mark counts). */
    connected(index) {
      if (tally.marked && tally.back[index] === null) tally.back[index] = Date.now();
    },
  };
  process.on('message', (msg) => {
    if (msg === 'mark') {
      Object.assign(tally, { marked: true, back: Array.from({ length: clientCount() }, () => null), leaves: 0, gaveUp: 0, attempts: 0 });
      lag.reset();
      lag.enable();
    } else if (msg === 'report') {
      const { back, leaves, gaveUp, attempts } = tally;
      process.send({ type: 'report', back, leaves, gaveUp, attempts, lagP99: lag.percentile(99) / 1e6, lagMax: lag.max / 1e6 });
    }
  });
  return tally;
}
