import type { RedisKeys } from '../redis-keys.js';
import { defineScript } from './script.js';

export interface AppendCall {
  keys: RedisKeys;
  key: string;
  uk: string;
  streamId: string;
  epoch: number;
  seq: number;
  frame: Buffer;
  maxLen: number;
  /** Send it to the channel's other nodes too. */
  publish: boolean;
  node: string;
}

/** The number of nodes that got the message (-1: it was only kept). */
export const append = defineScript<AppendCall, number>('append', {
  keys: (c) => [c.keys.data(c.key, c.uk, c.streamId)],
  argv: (c) => [c.keys.topic(c.key), c.epoch, c.seq, c.frame, c.maxLen, c.publish ? 1 : 0, c.node],
  decode: (reply) => Number(reply),
});
