import type { RedisKeys } from '../redis-keys.js';
import { defineScript } from './script.js';

export const retire = defineScript<{ keys: RedisKeys; node: string }, void>('retire', {
  keys: (c) => [c.keys.nodes, c.keys.heard, c.keys.owned(c.node), c.keys.seq],
  argv: (c) => [c.node],
  decode: () => undefined,
});
