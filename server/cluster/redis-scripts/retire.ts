import type { RedisKeys } from '../redis-keys.js';
import { defineScript } from './script.js';

export const retire = defineScript<{ keys: RedisKeys; node: string; ownsMembers: boolean }, void>('retire', {
  keys: (c) => [c.keys.nodes, c.keys.heard],
  argv: (c) => [c.node, c.ownsMembers ? 1 : 0],
  decode: () => undefined,
});
