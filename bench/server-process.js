// Starts the built server CLI in its own process and resolves with its ws:// URL.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export function startServerProcess(args = []) {
  const cli = fileURLToPath(new URL('../dist/server/cli.js', import.meta.url));
  // SERVER_NODE_ARGS: extra node flags for the server only, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof".
  const nodeArgs = (process.env.SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, cli, '--port', '0', '--host', '127.0.0.1', '--log-level', 'info', ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let buffered = '';
    child.once('exit', (code) => reject(new Error(`server exited early (code ${code})`)));
    child.stdout.on('data', (chunk) => {
      buffered += chunk;
      // The `listening` log line (JSON) carries the url; the port was 0.
      const match = /"url":"(ws:\/\/[^"]+)"[^\n]*"msg":"listening"/.exec(buffered);
      if (match) {
        child.removeAllListeners('exit');
        child.stdout.removeAllListeners('data');
        child.stdout.resume(); // keep draining the logs
        resolve({
          url: match[1],
          child,
          stop: () => new Promise((done) => (child.once('exit', done), child.kill('SIGTERM'))),
        });
      }
    });
  });
}
