/** Runs the store's scripts on one connection: each is defined with ioredis once, then called with its KEYS and ARGV. */
import type { Redis } from 'ioredis';
import type { Script } from './script.js';

type Command = (numberOfKeys: number, ...args: unknown[]) => Promise<unknown>;

export class ScriptRunner {
  private readonly defined = new Set<string>();

  constructor(private readonly redis: Redis) {}

  async run<A, R>(script: Script<A, R>, args: A): Promise<R> {
    if (!this.defined.has(script.name)) {
      // No fixed numberOfKeys: each call passes its count first, so a script's KEYS may vary in length.
      this.redis.defineCommand(script.name, { lua: script.source });
      this.defined.add(script.name);
    }
    const keys = script.keys(args);
    const command = (this.redis as unknown as Record<string, Command>)[script.binary ? `${script.name}Buffer` : script.name]!;
    return script.decode(await command.call(this.redis, keys.length, ...keys, ...script.argv(args)));
  }
}
