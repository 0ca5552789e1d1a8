/** Runs crowds of SDK clients (fixtures/crowd.mjs) in child processes and reads what they saw. */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ClientOptions, Uid } from 'channel-link';
import { onCleanup } from '../integration/harness.js';

export interface CrowdClientSpec {
  channel: string;
  uid: Uid;
  urls: string[];
  /** Uids whose streams this client subscribes to. */
  follow: Uid[];
}

export interface CrowdReport {
  uid: Uid;
  channel: string;
  state: string;
  peers: number;
  /** Events by type ('state:REASON' for state changes). */
  counts: Record<string, number>;
  /** Messages received per subscription ("uid/streamId"). */
  received: Record<string, number>;
  lastAt: Record<string, number>;
  error: string | null;
}

export interface Crowd {
  report(): Promise<CrowdReport[]>;
  reset(): Promise<void>;
  stop(): Promise<void>;
}

const FIXTURE = fileURLToPath(new URL('./fixtures/crowd.mjs', import.meta.url));

export async function startCrowd(
  clients: CrowdClientSpec[],
  options: { publish?: boolean; sendEveryMs?: number; clientOptions?: Partial<ClientOptions> } = {},
): Promise<Crowd> {
  const child: ChildProcess = fork(FIXTURE, [], {
    env: { ...process.env, CROWD: JSON.stringify({ clients, publish: options.publish ?? true, sendEveryMs: options.sendEveryMs, clientOptions: options.clientOptions }) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    execArgv: [],
  });
  let nextId = 1;
  const pending = new Map<number, (msg: { type: string; clients?: CrowdReport[] }) => void>();
  child.on('message', (msg: { type: string; id?: number; clients?: CrowdReport[] }) => {
    if (msg.id !== undefined) pending.get(msg.id)?.(msg);
  });
  const ask = (type: string) =>
    new Promise<{ type: string; clients?: CrowdReport[] }>((resolve, reject) => {
      const id = nextId++;
      const timer = setTimeout(() => reject(new Error(`crowd did not answer ${type}`)), 20_000);
      pending.set(id, (msg) => {
        clearTimeout(timer);
        pending.delete(id);
        resolve(msg);
      });
      child.send({ type, id });
    });
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`crowd exited early (code ${code})`)));
    child.on('message', (msg: { type: string }) => msg.type === 'started' && resolve());
  });
  child.removeAllListeners('exit');
  const crowd: Crowd = {
    report: async () => (await ask('report')).clients!,
    reset: async () => void (await ask('reset')),
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      await ask('stop').catch(() => child.kill('SIGKILL'));
      await exited;
    },
  };
  onCleanup(() => crowd.stop());
  return crowd;
}

/** Channels of `size` members: uid n in channel `${prefix}-${floor(n/size)}`, following the next uid of its channel. */
export function channelsOf(count: number, size: number, prefix: string, urlsFor: (i: number) => string[]): CrowdClientSpec[] {
  return Array.from({ length: count }, (_, i) => {
    const ch = Math.floor(i / size);
    const next = ch * size + ((i % size) + 1) % size;
    return { channel: `${prefix}-${ch}`, uid: i + 1, urls: urlsFor(i), follow: [next + 1] };
  });
}

/** Sum of one event count over every client of the reports. */
export const total = (reports: CrowdReport[][], name: string): number =>
  reports.flat().reduce((n, c) => n + (c.counts[name] ?? 0), 0);
