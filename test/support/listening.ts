/**
 * The server CLI announces itself with its `listening` log line (a JSON line by default):
 * `{"level":30,...,"url":"ws://127.0.0.1:PORT",...,"msg":"listening"}`.
 */
export interface Listening {
  /** e.g. ws://127.0.0.1:PORT (wss:// with TLS) */
  url: string;
  host: string;
  port: number;
  /** The whole line, parsed. */
  record: Record<string, unknown>;
}

/** The listening announcement among the complete lines of `output`, or null if there is none yet. */
export function findListening(output: string): Listening | null {
  for (const line of output.split('\n').slice(0, -1)) {
    let record: Record<string, unknown>;
    try {
      record = JSON.parse(line) as Record<string, unknown>;
    } catch {
      continue;
    }
    if (record.msg !== 'listening' || typeof record.url !== 'string') continue;
    const match = /^wss?:\/\/(\[[^\]]+\]|[^:/]+):(\d+)$/.exec(record.url);
    if (match) return { url: record.url, host: match[1]!, port: Number(match[2]), record };
  }
  return null;
}
