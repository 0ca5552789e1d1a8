// One node restart under a crowd of SDK clients (bench/herd/clients.js): the crowd joins, settles,
// then the node is SIGKILLed, and `downMs` later a new node (its process loaded beforehand)
// listens on the same port, its in-memory state gone, as after a crash. The crowd shares the
// machine with the node: its own event-loop lag (how late its clients' timers ran) is reported too. Measured from the moment the new node answers (it
// listens again): when each client is CONNECTED again, the leaves any client saw, the clients
// that gave up, the node's CPU (per second, sampled every 250 ms), its event-loop lag over the
// admission, and what it admitted and deferred.
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { cpuReading } from '../peers/proc.js';

const SERVER = new URL('./server.js', import.meta.url);
/** SDK engines (inline), or raw protocol clients on the SDK's reconnect policy (crowds too large for this machine's SDK engines). */
const CROWDS = { sdk: new URL('./clients.js', import.meta.url), raw: new URL('./raw-clients.js', import.meta.url) };
/** Past this, whoever is not back counts as not back (the run goes on). */
const DEADLINE_MS = 60_000;

/** A node process, loaded and waiting to be told to listen. */
async function loadNode(port, options) {
  const child = fork(SERVER, [], {
    env: { ...process.env, HERD_SERVER: JSON.stringify({ port, options }) },
    execArgv: process.env.HERD_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.HERD_PROFILE}`] : [],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  await Promise.race([once(child, 'message'), once(child, 'exit').then(([code]) => Promise.reject(new Error(`herd server exited early (code ${code})`)))]);
  return {
    child,
    /** Listens; resolves with the port and when it began to accept connections. */
    async listen() {
      child.send('listen');
      const [msg] = await once(child, 'message');
      return { port: msg.port, at: msg.at };
    },
  };
}

/** Asks a child for its report: the next message of type 'report'. */
async function reportOf(child) {
  child.send('report');
  for (;;) {
    const [msg] = await once(child, 'message');
    if (msg.type === 'report') return msg;
  }
}

async function startCrowd({ kind, url, clients, processes, channelSize, concurrency }) {
  const per = Math.ceil(clients / processes);
  const children = [];
  for (let i = 0; i < processes && i * per < clients; i++) {
    const cfg = { url, count: Math.min(per, clients - i * per), firstUid: 1 + i * per, channelSize, prefix: 'herd', concurrency };
    children.push(fork(CROWDS[kind], [], { env: { ...process.env, HERD_CLIENTS: JSON.stringify(cfg) }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
  }
  await Promise.all(
    children.map((child) =>
      Promise.race([once(child, 'message'), once(child, 'exit').then(([code]) => Promise.reject(new Error(`herd clients exited early (code ${code})`)))]),
    ),
  );
  return {
    mark: () => children.forEach((c) => c.send('mark')),
    /** Every client's first `connected` since the mark (null: not back), the leaves and give-ups seen. */
    async report() {
      const reports = await Promise.all(children.map(reportOf));
      const sum = (k) => reports.reduce((n, r) => n + r[k], 0);
      return { back: reports.flatMap((r) => r.back), leaves: sum('leaves'), gaveUp: sum('gaveUp'), attempts: sum('attempts'), clientLagMax: Math.max(...reports.map((r) => r.lagMax)) };
    },
    stop: () =>
      Promise.all(
        children.map((child) => {
          if (child.exitCode !== null) return undefined;
          const exited = once(child, 'exit');
          child.send({ type: 'stop' });
          setTimeout(() => child.kill('SIGKILL'), 5000).unref();
          return exited;
        }),
      ),
  };
}

/** The node's CPU (% of one core) over each second, from readings every 250 ms. */
function cpuSampler(pid) {
  const readings = [cpuReading(pid)];
  const timer = setInterval(() => {
    try {
      readings.push(cpuReading(pid));
    } catch {
      // the process is gone
    }
  }, 250);
  return {
    stop() {
      clearInterval(timer);
      let peak = 0;
      for (let i = 4; i < readings.length; i++) {
        const [a, b] = [readings[i - 4], readings[i]];
        peak = Math.max(peak, ((b.cpu - a.cpu) / ((b.at - a.at) / 1000)) * 100);
      }
      return peak;
    },
  };
}

const percentile = (sorted, p) => (sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]);

export async function restartUnderHerd({ kind = 'sdk', clients, channelSize, processes, downMs, settleMs = 3000, concurrency = 50, options = {} }) {
  let node = await loadNode(0, options);
  const { port } = await node.listen();
  const crowd = await startCrowd({ kind, url: `ws://127.0.0.1:${port}`, clients, processes, channelSize, concurrency });
  try {
    await sleep(settleMs);
    const standby = await loadNode(port, options);
    crowd.mark();
    const killedAt = Date.now();
    node.child.kill('SIGKILL');
    await once(node.child, 'exit');
    node = standby;
    await sleep(Math.max(0, killedAt + downMs - Date.now()));
    const { at: answeringAt } = await node.listen();
    const cpu = cpuSampler(node.child.pid);
    let report;
    for (;;) {
      await sleep(250);
      report = await crowd.report();
      const done = report.back.every((t) => t !== null) || report.back.filter((t) => t === null).length <= report.gaveUp;
      if (done || Date.now() - answeringAt > DEADLINE_MS) break;
    }
    const server = await reportOf(node.child);
    // A second more of the node's CPU, so the last window holds the end of the admission.
    await sleep(1000);
    const cpuPeak = cpu.stop();
    const delays = report.back.filter((t) => t !== null).map((t) => t - answeringAt).sort((a, b) => a - b);
    const c = server.counters;
    return {
      kind,
      clients,
      downMs: answeringAt - killedAt,
      back: delays.length,
      withinOneSecond: delays.filter((d) => d <= 1000).length,
      p50: percentile(delays, 50),
      p99: percentile(delays, 99),
      allBackMs: delays.length === clients ? delays.at(-1) : Infinity,
      leaves: report.leaves,
      gaveUp: report.gaveUp,
      failedAttempts: report.attempts,
      clientLagMax: report.clientLagMax,
      cpuPeak,
      lag: server.lag,
      admitted: { resume: c.admittedResumes, join: c.admittedJoins },
      deferred: { resume: c.deferredResumes, join: c.deferredJoins },
    };
  } finally {
    await crowd.stop();
    if (node.child.exitCode === null) {
      // A clean exit (a CPU profile, when asked for, is written then); SIGKILL if it hangs.
      const exited = once(node.child, 'exit');
      node.child.disconnect();
      setTimeout(() => node.child.kill('SIGKILL'), 5000).unref();
      await exited;
    }
  }
}
