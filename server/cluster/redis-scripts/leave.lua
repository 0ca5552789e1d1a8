-- Removes the member, if this node owns that session: a host's streams first (PEER_LEFT when it
-- quit or was kicked, NO_DATA when it went silent), then the host; an audience member is only counted out.
-- KEYS[1] hosts   KEYS[2] seq   KEYS[3] audience   KEYS[4] the channel's members this node owns
-- KEYS[5..] the declared message keys (the member's streams)
-- ARGV: topic, declared keys, uk, sid, this node, reason (QUIT|SERVER_TIMEOUT|KICKED), window ms
-- Reply: {0} not this node's session | {1, seq, hosts, audience}
local ch = channel()
local my_owned = KEYS[4]
local uk, sid, me, reason, window_ms = ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7]
local m, role = owned(ch, uk, sid, me)
if not m then return { 0 } end
if role == 'host' then
  local streams = list(m.t)
  local need = undeclared(ch, nil, streams)
  if need then return need end
  local uid = uid_value(uk)
  local stream_reason = 'NO_DATA'
  local gone = reason == 'QUIT' or reason == 'KICKED'
  if gone then stream_reason = 'PEER_LEFT' end
  for _, s in ipairs(streams) do
    emit(ch, sid, me, { type = 'stream-removed', uid = uid, streamId = s, reason = stream_reason })
    release(ch, s, gone, window_ms)
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
