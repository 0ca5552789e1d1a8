// Starts Debian's redis-server on a free port for a benchmark (persistence off), or a 3-shard Redis
// Cluster of them, and reads their command counters (INFO commandstats) with redis-cli.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

async function freePort() {
  const server = net.createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export async function startRedis(extraArgs = [], cwd = undefined) {
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...extraArgs], { stdio: ['ignore', 'pipe', 'inherit'], cwd });
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
   * Calls so far of each command (INFO commandstats), INFO and CLUSTER themselves left out. Redis
   * counts the redis.call()s of a script under their own names as well as the EVALSHA that ran it.
   */
  const commandStats = () => {
    const text = spawnSync('redis-cli', ['-p', String(port), 'INFO', 'commandstats'], { encoding: 'utf8' }).stdout;
    const calls = {};
    for (const line of text.split('\n')) {
      const m = /^cmdstat_([a-z|]+):calls=(\d+)/.exec(line.trim());
      if (m && m[1] !== 'info' && !m[1].startsWith('cluster')) calls[m[1]] = Number(m[2]);
    }
    return calls;
  };
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    commandStats,
    /** Commands run so far, INFO and CLUSTER themselves left out. */
    commands: () => Object.values(commandStats()).reduce((a, b) => a + b, 0),
    /** Empties every database (between benchmark runs that must not see each other's members). */
    flush() {
      spawnSync('redis-cli', ['-p', String(port), 'FLUSHALL'], { encoding: 'utf8' });
    },
    stop: () => new Promise((resolve) => (child.once('exit', resolve), child.kill('SIGKILL'))),
  };
}

/**
 * A 3-shard Redis Cluster (no replicas; each shard a third of the slots), for bench/cluster.js:
 * `nodes` as redisCluster takes them, and the commands each shard has run.
 */
export async function startRedisCluster(count = 3) {
  const dir = mkdtempSync(path.join(tmpdir(), 'channel-link-bench-cluster-'));
  const shards = [];
  for (let i = 0; i < count; i++) {
    const shardDir = path.join(dir, String(i));
    mkdirSync(shardDir);
    const busPort = await freePort();
    shards.push(await startRedis(['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-port', String(busPort), '--cluster-require-full-coverage', 'no'], shardDir));
  }
  const nodes = shards.map((s) => `127.0.0.1:${s.port}`);
  const create = spawnSync('redis-cli', ['--cluster', 'create', ...nodes, '--cluster-replicas', '0', '--cluster-yes'], { encoding: 'utf8' });
  if (create.status !== 0) throw new Error(`redis-cli --cluster create failed: ${create.stdout}${create.stderr}`);
  for (;;) {
    if (shards.every((s) => /cluster_state:ok/.test(spawnSync('redis-cli', ['-p', String(s.port), 'CLUSTER', 'INFO'], { encoding: 'utf8' }).stdout))) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    nodes,
    /** Commands run so far on each shard. */
    commandsPerShard: () => shards.map((s) => s.commands()),
    commands: () => shards.reduce((n, s) => n + s.commands(), 0),
    async stop() {
      await Promise.all(shards.map((s) => s.stop()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
