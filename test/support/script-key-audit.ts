/**
 * Watches a redis-server with MONITOR and checks that every command a Lua script runs touches only
 * keys its call declared in KEYS (docs/cluster.md, Keys: on a Redis Cluster an undeclared key may
 * sit on another shard, and a key built inside a script is invisible to the client's routing).
 * MONITOR lists a script's own commands right after the EVAL/EVALSHA that ran them (a script runs
 * alone), so each is matched against the KEYS of the call before it.
 */
import { Redis } from 'ioredis';

interface Call {
  declared: Set<string>;
  script: string;
  inner: string[][];
}

/** Commands whose first argument is a pub/sub channel, not a key. */
const NOT_KEYS = new Set(['spublish', 'publish', 'time']);

export interface ScriptKeyAudit {
  /** Every command of a script that touched an undeclared key, as 'script: COMMAND "key"'. */
  violations(): Promise<string[]>;
  /** How many script calls were seen. */
  readonly calls: number;
  stop(): Promise<void>;
}

/** `names`: script SHA1 -> a name for the report. */
export async function auditScriptKeys(url: string, names: ReadonlyMap<string, string> = new Map()): Promise<ScriptKeyAudit> {
  const client = new Redis(url);
  const monitor = await client.monitor();
  const calls: Call[] = [];
  monitor.on('monitor', (_time: string, args: string[], source: string) => {
    const name = args[0]?.toLowerCase();
    if (source === 'lua') {
      calls.at(-1)?.inner.push(args);
      return;
    }
    if (name !== 'evalsha' && name !== 'eval') return;
    const count = Number(args[2]);
    calls.push({ declared: new Set(args.slice(3, 3 + count)), script: name === 'evalsha' ? (names.get(args[1]!) ?? args[1]!) : 'eval', inner: [] });
  });
  return {
    get calls() {
      return calls.length;
    },
    async violations() {
      const out: string[] = [];
      for (const call of calls) {
        for (const command of call.inner) {
          if (NOT_KEYS.has(command[0]!.toLowerCase())) continue;
          const keys = (await client.call('COMMAND', 'GETKEYS', ...command).catch(() => [])) as string[];
          for (const key of keys) if (!call.declared.has(key)) out.push(`${call.script}: ${command[0]} ${JSON.stringify(key)}`);
        }
      }
      return out;
    },
    async stop() {
      monitor.disconnect();
      await client.quit();
    },
  };
}
