-- Removes the member, if this node owns that session: a host's streams first (PEER_LEFT when it
-- quit, NO_DATA when it went silent), then the host; an audience member is only counted out.
-- KEYS[1] hosts   KEYS[2] seq   KEYS[3] audience   KEYS[4] the channel's members this node owns
-- ARGV: topic, data prefix, uk, sid, this node, reason (QUIT|SERVER_TIMEOUT|KICKED), window ms
-- Reply: {0} not this node's session | {1, seq, hosts, audience}
local ch = { members = KEYS[1], seq = KEYS[2], audience = KEYS[3], topic = ARGV[1], data = ARGV[2] }
local my_owned = KEYS[4]
local uk, sid, me, reason, window_ms = ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7]
local m, role = owned(ch, uk, sid, me)
if not m then return { 0 } end
if role == 'host' then
  local uid = uid_value(uk)
  local stream_reason = 'NO_DATA'
  local gone = reason == 'QUIT' or reason == 'KICKED'
  if gone then stream_reason = 'PEER_LEFT' end
  for _, s in ipairs(list(m.t)) do
    emit(ch, sid, me, { type = 'stream-removed', uid = uid, streamId = s, reason = stream_reason })
    release(ch, uk, s, gone, window_ms)
  end
  emit(ch, sid, me, { type = 'peer-leave', uid = uid, reason = reason })
  redis.call('HDEL', ch.members, uk)
else
  redis.call('HDEL', ch.audience, uk)
end
redis.call('SREM', my_owned, uk)
counts_changed(ch)
keep_seq(ch)
local hosts, audience = counts(ch)
return { 1, redis.call('GET', ch.seq), hosts, audience }
