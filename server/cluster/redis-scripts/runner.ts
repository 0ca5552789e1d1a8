/**
 * Runs the store's scripts on one client (a Redis, or a Cluster that sends each call to the shard
 * of its first key): each is defined with ioredis once, then called with its KEYS and ARGV. A
 * script that needs keys its call did not declare answers NEEDKEYS having written nothing
 * (helpers.lua): it runs again with them, a few times at most (what it reads may change between).
 */
import type { Cluster, Redis } from 'ioredis';
import type { Declared } from './channel-args.js';
import type { Script } from './script.js';

const MAX_ATTEMPTS = 4;
const NEED_KEYS = /^NEEDKEYS ([^|]*)\|(.*)$/;

/** What a NEEDKEYS error asks to be declared, or null for any other error. */
function neededKeys(error: unknown): Declared | null {
  const m = error instanceof Error && error.name === 'ReplyError' ? NEED_KEYS.exec(error.message) : null;
  return m ? { owner: m[1]!, streams: m[2] ? m[2].split(',') : [] } : null;
}

type Command = (numberOfKeys: number, ...args: unknown[]) => Promise<unknown>;

export class ScriptRunner {
  private readonly defined = new Set<string>();

  /** `publish`: PUBLISH instead of SPUBLISH in the scripts (a single Redis older than 7). */
  constructor(
    private readonly redis: Redis | Cluster,
    private readonly publish: 'SPUBLISH' | 'PUBLISH' = 'SPUBLISH',
  ) {}

  async run<A, R>(script: Script<A, R>, args: A): Promise<R> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.once(script, args);
      } catch (error) {
        const needed = neededKeys(error);
        if (!needed || !script.declare || attempt >= MAX_ATTEMPTS) throw error;
        args = script.declare(args, needed);
      }
    }
  }

  private async once<A, R>(script: Script<A, R>, args: A): Promise<R> {
    if (!this.defined.has(script.name)) {
      // No fixed numberOfKeys: each call passes its count first, so a script's KEYS may vary in length.
      const lua = this.publish === 'SPUBLISH' ? script.source : script.source.replace("local PUBLISH = 'SPUBLISH'", "local PUBLISH = 'PUBLISH'");
      this.redis.defineCommand(script.name, { lua });
      this.defined.add(script.name);
    }
    const keys = script.keys(args);
    const command = (this.redis as unknown as Record<string, Command>)[script.binary ? `${script.name}Buffer` : script.name]!;
    return script.decode(await command.call(this.redis, keys.length, ...keys, ...script.argv(args)));
  }
}
