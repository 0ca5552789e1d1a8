// Crowds of clients in child processes, driven over IPC: raw protocol clients (./crowd.js) or
// SDK clients (./sdk-crowd.js). A crowd of `count` is split over `processes`, uids counted from
// `firstUid`, with `inFlight` joins in flight in all (shared out between the processes).
import { fork } from 'node:child_process';
import { concatSamples } from './measure.js';

const SCRIPTS = { raw: new URL('./crowd.js', import.meta.url), sdk: new URL('./sdk-crowd.js', import.meta.url) };
/** No step of a run waits longer than this for a crowd (a run that stalls says where). */
const STEP_TIMEOUT_MS = Number(process.env.STEP_TIMEOUT_S ?? 600) * 1000;

/** One child process: its messages by type, each taken once, in order; an early exit fails every wait. */
class Child {
  constructor(proc) {
    this.proc = proc;
    this.queued = new Map();
    this.waiting = new Map();
    this.failure = null;
    this.stopped = false;
    proc.on('message', (msg) => {
      const waiter = this.waiting.get(msg.type)?.shift();
      if (waiter) waiter.resolve(msg);
      else this.queued.set(msg.type, [...(this.queued.get(msg.type) ?? []), msg]);
    });
    proc.once('exit', (code, signal) => {
      if (this.stopped) return;
      this.failure = new Error(`a crowd process exited (${signal ?? `code ${code}`})`);
      for (const list of this.waiting.values()) for (const waiter of list) waiter.reject(this.failure);
    });
  }

  take(type) {
    const queued = this.queued.get(type);
    if (queued?.length) return Promise.resolve(queued.shift());
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`a crowd gave no '${type}' within ${STEP_TIMEOUT_MS / 1000} s`)), STEP_TIMEOUT_MS);
      const done = (fn) => (value) => (clearTimeout(timer), fn(value));
      const list = this.waiting.get(type) ?? [];
      list.push({ resolve: done(resolve), reject: done(reject) });
      this.waiting.set(type, list);
    });
  }

  ask(msg, type = msg.type) {
    const reply = this.take(type);
    this.proc.send(msg);
    return reply;
  }

  stop() {
    this.stopped = true;
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      this.proc.once('exit', resolve);
      this.proc.send({ type: 'stop' });
      setTimeout(() => this.proc.kill('SIGKILL'), 5000).unref();
    });
  }
}

/** Resolves once every process of the crowd is ready for its first request. */
export async function startCrowd({ kind = 'raw', urls, channel, count, processes = 2, firstUid = 1, role = 'host', inFlight = 50, expect = 0 }) {
  const per = Math.ceil(count / processes);
  const children = [];
  const n = Math.min(processes, Math.ceil(count / per));
  for (let i = 0; i < n; i++) {
    // `inFlight` shared out exactly: 50 over 4 processes is 13, 13, 12, 12.
    const concurrency = Math.max(1, Math.floor(inFlight / n) + (i < inFlight % n ? 1 : 0));
    const cfg = { urls, channel, count: Math.min(per, count - i * per), firstUid: firstUid + i * per, role, expect, concurrency };
    const proc = fork(SCRIPTS[kind], [], { env: { ...process.env, CROWD: JSON.stringify(cfg) }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'advanced' });
    children.push(new Child(proc));
  }
  try {
    await Promise.all(children.map((c) => c.take('ready')));
  } catch (error) {
    await Promise.all(children.map((c) => c.stop()));
    throw error;
  }
  const ask = (msg, type) => Promise.all(children.map((c) => c.ask(msg, type)));
  const take = (type) => Promise.all(children.map((c) => c.take(type)));
  return {
    /** Every client joins; resolves with the time the last one had ('joined' frame in hand), and how many sockets were opened again. */
    join: async () => {
      const replies = await ask({ type: 'join' });
      const sum = (key) => replies.reduce((n, r) => n + (r[key] ?? 0), 0);
      return { at: Math.max(...replies.map((r) => r.at)), joined: sum('joined'), retried: sum('retried') };
    },
    /** Resolves with the time the last client knew all `expect` others (`complete` of every process). */
    complete: async () => Math.max(...(await take('complete')).map((r) => r.at)),
    /** Per client: presence frames (raw) or peers$ emissions (SDK) so far. */
    counts: async () => (await ask({ type: 'stats' })).flatMap((r) => [...r.frames]),
    /** Arms the watch of `uid`; `seen()` then resolves with the time each client saw it online. */
    watch: (uid) => ask({ type: 'watch', uid }),
    seen: async () => concatSamples((await take('seen')).map((r) => r.times)),
    subscribe: async (uid, streamId) => {
      const replies = await ask({ type: 'subscribe', uid, streamId });
      return { acks: replies.reduce((n, r) => n + r.acks, 0), errors: replies.reduce((n, r) => n + r.errors, 0) };
    },
    /** The age of every data frame received since the last call, in ms. */
    samples: async () => concatSamples((await ask({ type: 'samples' })).map((r) => r.ages)),
    pids: children.map((c) => c.proc.pid),
    stop: () => Promise.all(children.map((c) => c.stop())),
  };
}
