/**
 * The message log of the Redis store: each stream's recent messages in a Redis stream (trimmed by
 * count, expiring with the window once the stream went away), and each message also sent to the
 * channel's other nodes in the same script, unless the store knows nobody else listens.
 */
import type { Uid } from '../../src/types.js';
import type { MessageLog } from '../message-log.js';
import type { BufferBounds, BufferedMessage, Replay } from '../stream-buffer.js';
import type { ChannelKey, MemberRef } from '../store.js';
import type { RedisKeys } from './redis-keys.js';
import { ukOf } from './redis-codec.js';
import type { Script } from './redis-scripts/script.js';
import * as scripts from './redis-scripts/index.js';

/** What the log needs of the store it belongs to: its scripts, its health and its view of who listens where. */
export interface FanOut {
  run<A, R>(script: Script<A, R>, args: A): Promise<R>;
  /** Whether the channel's shard is up. */
  isUp(key: ChannelKey): boolean;
  node(): string;
  /** Whether another node may have members in the channel (else the message is only kept). */
  othersListen(key: ChannelKey): boolean;
  /** How many nodes got a message published to the channel (1: this one only). */
  delivered(key: ChannelKey, receivers: number): void;
  /** Runs a command on the channel's shard; an unreachable shard becomes StoreUnavailableError. */
  guard<T>(key: ChannelKey, run: () => Promise<T>): Promise<T>;
}

export class RedisMessageLog implements MessageLog {
  constructor(
    private readonly keys: RedisKeys,
    private readonly bounds: BufferBounds,
    private readonly fanOut: FanOut,
  ) {}

  append(ref: MemberRef, streamId: string, message: BufferedMessage): void {
    const { key } = ref;
    if (!this.fanOut.isUp(key)) return; // local subscribers have it; a resume elsewhere reports the gap
    const publish = this.fanOut.othersListen(key);
    const frame = Buffer.from(message.frame.buffer, message.frame.byteOffset, message.frame.byteLength);
    // Trimmed by count, and by bytes as if every message were this one's size (Redis counts entries).
    const maxLen = Math.max(1, Math.min(this.bounds.maxMessages, Math.floor(this.bounds.maxBytes / Math.max(1, frame.length))));
    this.fanOut
      .run(scripts.append, { keys: this.keys, key, uk: ukOf(ref.uid), streamId, epoch: message.epoch, seq: message.seq, frame, maxLen, publish, node: this.fanOut.node() })
      .then(
        (receivers) => publish && this.fanOut.delivered(key, receivers),
        () => {},
      );
  }

  read(key: ChannelKey, uid: Uid, streamId: string, epoch: number, seq: number): Promise<Replay | null> {
    return this.fanOut.guard(key, () => this.fanOut.run(scripts.read, { keys: this.keys, key, uk: ukOf(uid), streamId, epoch, seq, windowMs: this.bounds.windowMs }));
  }
}
