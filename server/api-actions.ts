/**
 * What each server API request does with the store (docs/backend.md, Server API): list the app's
 * channels, read one channel, kick (and ban) a member, end a channel. The store answers for the
 * whole cluster and delivers each kick to the node that owns the member.
 */
import type { Uid } from '../src/types.js';
import type { ClientRole } from '../src/wire-words.js';
import { ApiError, MAX_PAGE, type KickRequest, type MemberQuery } from './api-requests.js';
import { channelKey, type ChannelAdmin, type ChannelKey, type MemberInfo } from './store.js';

const DEFAULT_KICK_MESSAGE = 'kicked by the server';

/** A member as the API shows it. */
function shown(m: MemberInfo) {
  return {
    uid: m.uid,
    role: m.role,
    attributes: m.attributes,
    streams: m.streams,
    networkQuality: { uplinkNetworkQuality: m.quality?.[0] ?? 0, downlinkNetworkQuality: m.quality?.[1] ?? 0 },
    joinedAt: m.joinedAt,
  };
}

export async function listChannels(store: ChannelAdmin, appId: string) {
  const channels = await store.listChannels(appId);
  channels.sort((a, b) => (a.channel < b.channel ? -1 : a.channel > b.channel ? 1 : 0));
  return { channels };
}

export async function readChannel(store: ChannelAdmin, appId: string, channel: string, query: MemberQuery) {
  const page = await store.members(channelKey(appId, channel), query.role, query.limit, query.cursor);
  if (page.counts.hosts + page.counts.audience === 0) throw new ApiError(404, 'NOT_FOUND', `channel ${channel} has no members`);
  return {
    channel,
    ...page.counts,
    members: page.members.map(shown),
    ...(query.role === 'audience' ? { cursor: page.next } : {}),
  };
}

/** Bans first, so that the kicked client cannot slip back in between. */
export async function kickMember(store: ChannelAdmin, appId: string, channel: string, request: KickRequest) {
  const key = channelKey(appId, channel);
  if (request.banSeconds > 0) await store.ban(key, request.uid, Date.now() + request.banSeconds * 1000);
  const kicked = await store.kick(key, request.uid, request.message ?? DEFAULT_KICK_MESSAGE);
  return { kicked: kicked ? 1 : 0 };
}

/** Every uid of one role in the channel, page after page. */
async function allUids(store: ChannelAdmin, key: ChannelKey, role: ClientRole): Promise<Uid[]> {
  const uids: Uid[] = [];
  let cursor: string | null = null;
  do {
    const page = await store.members(key, role, MAX_PAGE, cursor);
    for (const m of page.members) uids.push(m.uid);
    cursor = page.next;
  } while (cursor !== null);
  return uids;
}

/** Ends the channel: every member is kicked (the uids are read first, then kicked). */
export async function endChannel(store: ChannelAdmin, appId: string, channel: string) {
  const key = channelKey(appId, channel);
  const uids = [...(await allUids(store, key, 'host')), ...(await allUids(store, key, 'audience'))];
  let kicked = 0;
  for (const uid of uids) if (await store.kick(key, uid, 'the channel was ended by the server')) kicked++;
  return { kicked };
}
