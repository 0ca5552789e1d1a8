import type { RedisKeys } from '../redis-keys.js';
import { defineScript } from './script.js';

export interface TickReply {
  /** This node had been removed from the registry (taken for dead) before this tick. */
  wasAbsent: boolean;
  /** This node is taken for dead and another node is adopting its members: it waits for the release. */
  claimed: boolean;
  /** The dead nodes this tick claimed, each with how long ago it was last heard from. */
  dead: { node: string; silentForMs: number }[];
}

const registry = (keys: RedisKeys): string[] => [keys.nodes, keys.heard, keys.claims];

export const tick = defineScript<{ keys: RedisKeys; node: string; ttlMs: number; mayClaim: boolean }, TickReply>('tick', {
  keys: (c) => registry(c.keys),
  argv: (c) => [c.node, c.ttlMs, c.mayClaim ? 1 : 0],
  decode: (reply) => {
    const r = reply as string[];
    const dead: TickReply['dead'] = [];
    for (let i = 2; i + 1 < r.length; i += 2) dead.push({ node: r[i]!, silentForMs: Number(r[i + 1]) });
    return { wasAbsent: r[0] === '1', claimed: r[1] === '1', dead };
  },
});

/** A dead node's members are all adopted: it leaves the registry. */
export const release = defineScript<{ keys: RedisKeys; node: string; dead: string }, boolean>('release', {
  keys: (c) => registry(c.keys),
  argv: (c) => [c.dead, c.node],
  decode: (reply) => reply === 1,
});
