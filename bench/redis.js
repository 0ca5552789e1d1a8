// Starts Debian's redis-server on a free port for a benchmark (persistence off), and reads its
// command counters (INFO commandstats) with redis-cli.
import { spawn, spawnSync } from 'node:child_process';
import net from 'node:net';

async function freePort() {
  const server = net.createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export async function startRedis() {
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise((resolve, reject) => {
    let out = '';
    child.once('error', (err) => reject(new Error(`cannot start redis-server (apt-get install -y redis-server): ${err.message}`)));
    child.once('exit', (code) => reject(new Error(`redis-server exited (code ${code})`)));
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes('Ready to accept connections')) resolve();
    });
  });
  child.removeAllListeners('exit');
  // Whatever ends this process (a crash included) ends this redis-server too.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  child.once('exit', () => process.off('exit', killOnExit));
  /**
   * Calls so far of each command (INFO commandstats), INFO itself left out. Redis counts the
   * redis.call()s of a script under their own names as well as the EVALSHA that ran it.
   */
  const commandStats = () => {
    const text = spawnSync('redis-cli', ['-p', String(port), 'INFO', 'commandstats'], { encoding: 'utf8' }).stdout;
    const calls = {};
    for (const line of text.split('\n')) {
      const m = /^cmdstat_([a-z|]+):calls=(\d+)/.exec(line.trim());
      if (m && m[1] !== 'info') calls[m[1]] = Number(m[2]);
    }
    return calls;
  };
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    commandStats,
    /** Commands run so far, INFO itself left out. */
    commands: () => Object.values(commandStats()).reduce((a, b) => a + b, 0),
    /** Empties every database (between benchmark runs that must not see each other's members). */
    flush() {
      spawnSync('redis-cli', ['-p', String(port), 'FLUSHALL'], { encoding: 'utf8' });
    },
    stop: () => new Promise((resolve) => (child.once('exit', resolve), child.kill('SIGKILL'))),
  };
}
