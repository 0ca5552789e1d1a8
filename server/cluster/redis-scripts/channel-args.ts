/**
 * What every channel script is given first: the channel's keys and topic (all in the channel's
 * slot), and the keys the call declares because the script will need them: the message keys of
 * the member's streams, the owned set of the node that owned it before. A script never builds a
 * key's name (helpers.lua); one that needs a key it was not given answers NEEDKEYS and the runner
 * calls it again with that key declared (runner.ts).
 */
import type { RedisKeys } from '../redis-keys.js';
import type { RedisArg } from './script.js';

/** The keys a call declares beyond its script's own: `owner`'s owned set ('' for none), each stream's message key. */
export interface Declared {
  owner: string;
  streams: readonly string[];
}

export interface ChannelCall {
  keys: RedisKeys;
  /** The channel key (store.ts). */
  key: string;
  /** Declared for the member `uk` (a MemberCall). */
  declared?: Declared;
}

/** KEYS[1] hosts, KEYS[2] seq, KEYS[3] audience. */
export const channelKeys = ({ keys, key }: ChannelCall): string[] => [keys.members(key), keys.seq(key), keys.audience(key)];
/** ARGV[1] topic, ARGV[2] what the last KEYS are: 'owner|stream1,stream2'. */
export const channelArgv = ({ keys, key, declared }: ChannelCall): RedisArg[] => [keys.topic(key), `${declared?.owner ?? ''}|${declared?.streams.join(',') ?? ''}`];

/** The declared keys, last in KEYS: the owner's owned set (if one is named), then each stream's message key. */
export const declaredKeys = ({ keys, key, declared, uk }: ChannelCall & { uk: string }): string[] => {
  if (!declared) return [];
  const streams = declared.streams.map((streamId) => keys.data(key, uk, streamId));
  return declared.owner ? [keys.owned(key, declared.owner), ...streams] : streams;
};

/** The call again, with what the script asked for declared. */
export const redeclare = <C extends ChannelCall>(call: C, declared: Declared): C => ({ ...call, declared });
