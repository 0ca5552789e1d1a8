import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CLI, startServerProcess } from './server-process.js';

const script = new URL('./fixtures/fake-server.mjs', import.meta.url);

describe('startServerProcess (fake server fixture)', () => {
  it('defaults to dist/server/cli.js', () => {
    expect(DEFAULT_CLI.pathname).toMatch(/\/dist\/server\/cli\.js$/);
  });

  it('resolves with the printed url/port and stops with SIGTERM', async () => {
    const srv = await startServerProcess({ script });
    expect(srv.url).toBe(`ws://127.0.0.1:${srv.port}`);
    expect(srv.port).toBeGreaterThan(0);
    await new Promise<void>((resolve, reject) => {
      const s = net.connect(srv.port, '127.0.0.1', () => {
        s.destroy();
        resolve();
      });
      s.on('error', reject);
    });
    await srv.stop();
    expect(srv.child.exitCode ?? srv.child.signalCode).not.toBeNull();
    await srv.stop(); // idempotent
  });

  it('rejects with stderr when the child exits first (env is passed through)', async () => {
    await expect(startServerProcess({ script, env: { FAKE_SERVER_FAIL: 'from-env' } })).rejects.toThrow(
      /exited before listening[\s\S]*boom \(from-env\)/,
    );
    await expect(startServerProcess({ script, args: ['--fail'] })).rejects.toThrow(/requested failure/);
  });

  it('rejects and kills the child when it never becomes ready', async () => {
    await expect(
      startServerProcess({ script, args: ['--silent'], startTimeoutMs: 500, killAfterMs: 500 }),
    ).rejects.toThrow(/did not log "listening" within 500 ms/);
  });

  it('escalates to SIGKILL when SIGTERM is ignored', async () => {
    const srv = await startServerProcess({ script, args: ['--ignore-sigterm'], killAfterMs: 200 });
    await srv.stop();
    expect(srv.child.signalCode).toBe('SIGKILL');
  });
});
