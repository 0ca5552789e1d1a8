/**
 * docs/behaviour.md, In a cluster: a rolling restart of three nodes (SIGTERM each in turn, start it again) under 300 SDK
 * clients that publish and subscribe: nobody sees a peer-leave or a stream-removed, and every
 * subscription keeps delivering.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { redisArgs } from './redis-target.js';
import { startServerProcess, type ServerProcess } from '../support/server-process.js';
import { waitFor } from '../support/wait-for.js';
import { onCleanup } from '../integration/harness.js';
import { channelsOf, startCrowd, total, type Crowd, type CrowdReport } from './crowd.js';

const CLIENTS = 300;
const CHANNEL_SIZE = 10;

async function node(redisPrefix: string, port = 0): Promise<ServerProcess> {
  const proc = await startServerProcess({ args: ['--port', String(port), ...redisArgs(), '--redis-prefix', redisPrefix, '--node-ttl-ms', '1500'] });
  onCleanup(() => proc.stop());
  return proc;
}

const reportAll = async (crowds: Crowd[]): Promise<CrowdReport[][]> => Promise.all(crowds.map((c) => c.report()));
const everyone = (reports: CrowdReport[][], ok: (c: CrowdReport) => boolean) => reports.flat().every(ok);

describe('rolling restart', () => {
  test('3 nodes restarted in turn under 300 clients: no peer-leave, no stream-removed, data keeps flowing', async () => {
    const prefix = `roll${randomBytes(3).toString('hex')}:`;
    const nodes = [await node(prefix), await node(prefix), await node(prefix)];
    const urls = nodes.map((n) => n.url);
    // Client i tries node i%3 first: the members of each channel are spread over the nodes.
    const specs = channelsOf(CLIENTS, CHANNEL_SIZE, 'roll', (i) => [...urls.slice(i % 3), ...urls.slice(0, i % 3)]);
    const crowds = await Promise.all([0, 1, 2].map((k) => startCrowd(specs.slice(k * 100, (k + 1) * 100), { sendEveryMs: 250 })));
    await waitFor(
      async () => everyone(await reportAll(crowds), (c) => c.state === 'CONNECTED' && c.peers === CHANNEL_SIZE - 1 && Object.values(c.received).some((n) => n > 0)),
      { timeoutMs: 20_000, intervalMs: 200, message: 'every client joined, sees its 9 peers and receives its subscription' },
    );
    for (const c of crowds) await c.reset();

    for (const [i, proc] of nodes.entries()) {
      await proc.stop(); // SIGTERM: server-closing to its clients, which move on at once
      await waitFor(async () => everyone(await reportAll(crowds), (c) => c.state === 'CONNECTED'), {
        timeoutMs: 10_000,
        intervalMs: 100,
        message: `every client back after node ${i} stopped`,
      });
      nodes[i] = await node(prefix, proc.port);
    }
    const restartedAt = Date.now();
    await waitFor(async () => everyone(await reportAll(crowds), (c) => Object.values(c.lastAt).some((t) => t > restartedAt + 500)), {
      timeoutMs: 10_000,
      intervalMs: 200,
      message: 'every subscription delivering after the restart',
    });

    const reports = await reportAll(crowds);
    expect(total(reports, 'peer-leave')).toBe(0);
    expect(total(reports, 'stream-removed')).toBe(0);
    expect(total(reports, 'state:RECONNECTED')).toBeGreaterThanOrEqual(CLIENTS); // every client moved at least once
    expect(reports.flat().filter((c) => c.state !== 'CONNECTED' || c.peers !== CHANNEL_SIZE - 1)).toEqual([]);
    expect(reports.flat().map((c) => c.error).filter(Boolean)).toEqual([]);
    // The limit covers the waits' own budgets (20 + 3 x 10 + 10 s), so a slow machine fails on a named wait.
  }, 75_000);
});
