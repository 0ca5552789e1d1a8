/**
 * The point of channel-link: the network loop runs on a worker thread, so a main thread blocked
 * for 3 x peerTimeoutMs does not make the peers see a leave. The server and the observing peer
 * run in other processes (a busy loop here would freeze them too if they lived in this one).
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { startServerProcess } from '../support/server-process.js';
import { waitFor } from '../support/wait-for.js';
import { onCleanup, testClient } from './harness.js';

const PEER_TIMEOUT_MS = 1000;

function startObserver(url: string, channel: string, uid: number) {
  const child = spawn(process.execPath, [fileURLToPath(new URL('./fixtures/observer.mjs', import.meta.url)), url, channel, String(uid)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const events: { type: string; uid?: number; at: number }[] = [];
  createInterface({ input: child.stdout }).on('line', (line) => events.push(JSON.parse(line)));
  onCleanup(
    () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  );
  return { events };
}

function busyLoop(ms: number): void {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    // Deliberately blocking the main thread.
  }
}

describe('frozen main thread', () => {
  test('a busy loop of 3 x peerTimeoutMs on the main thread does not drop the user', async () => {
    const server = await startServerProcess({
      args: ['--peer-timeout-ms', String(PEER_TIMEOUT_MS), '--stream-timeout-ms', String(PEER_TIMEOUT_MS)],
    });
    onCleanup(() => server.stop());
    const observer = startObserver(server.url, 'frozen', 2);
    await waitFor(() => observer.events.some((e) => e.type === 'ready'), { timeoutMs: 10_000, message: 'observer joined' });

    const me = testClient(server.url);
    await me.client.join(null, 'frozen', 1);
    await me.client.publish();
    await waitFor(() => observer.events.some((e) => e.type === 'stream-added' && e.uid === 1), { message: 'observer sees stream' });

    const frozenFrom = Date.now();
    busyLoop(3 * PEER_TIMEOUT_MS);
    const frozenUntil = Date.now();

    // Give the observer's late events (if any) time to arrive, then check it saw nothing.
    await waitFor(() => observer.events.some((e) => e.at > frozenUntil), { timeoutMs: 3000, message: 'observer alive after the freeze' }).catch(
      () => {},
    );
    await new Promise((r) => setTimeout(r, PEER_TIMEOUT_MS));
    const duringFreeze = observer.events.filter((e) => e.at >= frozenFrom && ['peer-leave', 'stream-removed'].includes(e.type));
    expect(duringFreeze).toEqual([]);
    expect(me.client.getConnectionState()).toBe('CONNECTED');
    expect(me.log('connection-state-change')).toEqual(['state DISCONNECTED->CONNECTING JOIN', 'state CONNECTING->CONNECTED JOINED']);
  });
});
