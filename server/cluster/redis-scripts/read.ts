import type { BufferedMessage, Replay } from '../../store.js';
import type { RedisKeys } from '../redis-keys.js';
import { defineScript } from './script.js';

export interface ReadCall {
  keys: RedisKeys;
  key: string;
  uk: string;
  streamId: string;
  epoch: number;
  seq: number;
  windowMs: number;
}

export const read = defineScript<ReadCall, Replay | null>('read', {
  binary: true,
  keys: (c) => [c.keys.data(c.key, c.uk, c.streamId)],
  argv: (c) => [c.epoch, c.seq, c.windowMs],
  decode: (reply) => {
    const r = reply as Buffer[] | null;
    if (!r) return null;
    const epoch = Number(r[0]!.toString());
    const newest = Number(r[1]!.toString());
    const messages: BufferedMessage[] = [];
    for (let i = 2; i + 1 < r.length; i += 2) {
      const frame = r[i + 1]!;
      messages.push({ epoch, seq: Number(r[i]!.toString()), frame: new Uint8Array(frame.buffer, frame.byteOffset, frame.byteLength) });
    }
    return { epoch, from: messages[0]?.seq ?? newest + 1, to: newest, messages };
  },
});
