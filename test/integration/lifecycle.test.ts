/** destroy() leaves nothing running; a crashed worker surfaces as exception + DISCONNECTED. */
import { spawn } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import { describe, expect, test } from 'vitest';
import { createClient } from 'channel-link';
import { testClient, testServer } from './harness.js';

describe('lifecycle', () => {
  test('a Node process exits by itself after destroy()', async () => {
    const server = await testServer();
    const script = `
      import { createClient } from 'channel-link';
      const c = createClient({ url: ${JSON.stringify(server.url)} });
      await c.join(null, 'exit', 1);
      const s = await c.publish();
      s.send('x');
      await c.destroy();
      console.log('destroyed');`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const code = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        resolve(null);
      }, 10_000);
      child.on('exit', (c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
    expect(out).toContain('destroyed');
    expect(code).toBe(0);
  });

  test('destroy() completes every observable and later calls reject with CLOSED', async () => {
    const server = await testServer();
    const c = testClient(server.url);
    await c.client.join(null, 'destroy', 1);
    const completed: string[] = [];
    c.client.events$.subscribe({ complete: () => completed.push('events$') });
    c.client.peers$.subscribe({ complete: () => completed.push('peers$') });
    c.client.connectionState$.subscribe({ complete: () => completed.push('connectionState$') });
    c.client.connectionStateChange$.subscribe({ complete: () => completed.push('connectionStateChange$') });
    await c.client.destroy();
    expect(completed.sort()).toEqual(['connectionState$', 'connectionStateChange$', 'events$', 'peers$']);
    expect(c.log('connection-state-change').at(-1)).toBe('state DISCONNECTING->DISCONNECTED LEAVE');
    await expect(c.client.publish()).rejects.toMatchObject({ code: 'CLOSED' });
    await c.client.destroy();
  });

  test('a worker that dies surfaces as exception WORKER_FAILED and DISCONNECTED; calls settle', async () => {
    const server = await testServer();
    const worker = new Worker(new URL('../../dist/worker/node-entry.js', import.meta.url));
    const client = createClient({ url: server.url, worker });
    const seen: string[] = [];
    client.events$.subscribe((e) => seen.push(e.type === 'connection-state-change' ? `${e.curState} ${e.reason}` : e.type));
    await client.join(null, 'crash', 1);
    await worker.terminate();
    await expect.poll(() => client.getConnectionState()).toBe('DISCONNECTED');
    expect(seen).toContain('exception');
    expect(seen.at(-1)).toBe('DISCONNECTED NETWORK_ERROR');
    await expect(client.publish()).rejects.toMatchObject({ code: 'WORKER_FAILED' });
    await client.destroy();
  });

  test('a worker that loads but never answers its first call fails fast: WORKER_FAILED (start-up deadline), not TIMEOUT', async () => {
    const server = await testServer();
    const worker = new Worker(new URL('./fixtures/silent-worker.mjs', import.meta.url));
    const exited = new Promise<number>((resolve) => worker.once('exit', resolve));
    // join's own deadline: 1000 + 5000 ms; the start-up deadline comes first (5000 ms here, 10 s at most).
    const client = createClient({ url: server.url, worker, joinTimeoutMs: 1000, connectionTimeoutMs: 500 });
    const seen: string[] = [];
    client.events$.subscribe((e) => seen.push(e.type === 'exception' ? `exception ${e.code}` : e.type));
    const error = await client.join(null, 'silent', 1).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'WORKER_FAILED',
      message: 'engine worker (the worker given as options.worker) did not answer its first call within 5000 ms',
    });
    expect(seen).toContain('exception WORKER_FAILED');
    expect(client.getConnectionState()).toBe('DISCONNECTED');
    await exited; // the channel ended the worker that never started
    await expect(client.getStats()).rejects.toMatchObject({ code: 'WORKER_FAILED' });
    await client.destroy();
  }, 20_000);

  test('a worker that hangs without an error event is noticed: exception WORKER_FAILED, DISCONNECTED', async () => {
    const server = await testServer();
    const worker = new Worker(new URL('./fixtures/hanging-worker.mjs', import.meta.url));
    const client = createClient({ url: server.url, worker });
    const seen: string[] = [];
    client.events$.subscribe((e) => seen.push(e.type === 'connection-state-change' ? `${e.curState} ${e.reason}` : e.type));
    await client.join(null, 'hang', 1);
    worker.postMessage('hang-now');
    await expect.poll(() => client.getConnectionState(), { timeout: 25_000, interval: 200 }).toBe('DISCONNECTED');
    expect(seen.slice(-2)).toEqual(['exception', 'DISCONNECTED NETWORK_ERROR']);
    await expect(client.getStats()).rejects.toMatchObject({ code: 'WORKER_FAILED' });
    await client.destroy();
    await worker.terminate();
  }, 40_000);
});
