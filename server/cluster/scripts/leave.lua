-- Removes the member and its streams, if this node owns that session: streams first (PEER_LEFT
-- when it quit, NO_DATA when it went silent), then the member.
-- KEYS[1] members   KEYS[2] seq   KEYS[3] the set of members this node owns
-- ARGV: topic, data prefix, channel key, uk, sid, this node, reason (QUIT|SERVER_TIMEOUT), window ms
-- Reply: 1 removed, 0 not this node's session
local ch = { members = KEYS[1], seq = KEYS[2], topic = ARGV[1], data = ARGV[2] }
local my_owned = KEYS[3]
local K, uk, sid, me, reason, window_ms = ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8]
local streams = owned(ch, uk, sid, me)
if not streams then return 0 end
local uid = uid_value(uk)
local stream_reason = 'NO_DATA'
if reason == 'QUIT' then stream_reason = 'PEER_LEFT' end
for _, s in ipairs(list(streams)) do
  emit(ch, sid, me, { type = 'stream-removed', uid = uid, streamId = s, reason = stream_reason })
  release(ch, uk, s, reason == 'QUIT', window_ms)
end
emit(ch, sid, me, { type = 'peer-leave', uid = uid, reason = reason })
redis.call('HDEL', ch.members, uk)
redis.call('SREM', my_owned, K .. '\n' .. uk)
return 1
