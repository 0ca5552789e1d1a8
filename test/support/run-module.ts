// Runs ES module code in a child Node process, as an app would run, and reports how it ended.
import { spawn } from 'node:child_process';

const ROOT = new URL('../../', import.meta.url);

export interface RunResult {
  code: number | null;
  output: string;
}

/** Runs ES module code in a child Node process from the repo root (so `channel-link` resolves to this package); it must exit by itself. */
export function runModule(
  code: string,
  { timeoutMs = 20_000, env = {} as Record<string, string>, onOutput = (_text: string) => {} } = {},
): Promise<RunResult> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', code], {
    cwd: new URL('.', ROOT).pathname,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (d: Buffer) => {
    output += d;
    onOutput(output);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve({ code: null, output: `${output}\n[killed: still running after ${timeoutMs} ms]` });
    }, timeoutMs);
    child.on('exit', (exitCode) => {
      clearTimeout(timer);
      resolve({ code: exitCode, output });
    });
  });
}
