/** What every channel script is given first: the channel's keys, topic and message-key prefix (all in the channel's slot). */
import type { RedisKeys } from '../redis-keys.js';
import type { RedisArg } from './script.js';

export interface ChannelCall {
  keys: RedisKeys;
  /** The channel key (store.ts). */
  key: string;
}

/** KEYS[1] hosts, KEYS[2] seq, KEYS[3] audience. */
export const channelKeys = ({ keys, key }: ChannelCall): string[] => [keys.members(key), keys.seq(key), keys.audience(key)];
/** ARGV[1] topic, ARGV[2] data prefix. */
export const channelArgv = ({ keys, key }: ChannelCall): RedisArg[] => [keys.topic(key), keys.dataPrefix(key)];
