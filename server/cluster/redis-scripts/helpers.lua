-- Shared by every script (prepended to each one's source). A channel's keys travel in a table:
--   ch.members  hash uk -> "sessionId|ownerNode|stream1,stream2" of its hosts
--   ch.audience hash uk -> "sessionId|ownerNode|" of its audience (never announced, no streams)
--   ch.seq      the event counter (also taken by every change of the counts)
--   ch.topic    the pub/sub channel of the channel's events and data
--   ch.data     prefix of its streams' message keys: ch.data .. stream .. '\n' .. uk
local function split_member(v)
  local sid, node, streams = string.match(v, '^([^|]*)|([^|]*)|(.*)$')
  return sid, node, streams
end
local function list(csv)
  local t = {}
  for s in string.gmatch(csv, '[^,]+') do t[#t + 1] = s end
  return t
end
local function uid_value(uk)
  if string.sub(uk, 1, 1) == 'n' then return tonumber(string.sub(uk, 2)) end
  return string.sub(uk, 2)
end
-- Numbers the event and sends it to every node of the channel: 'E' seq|sid|origin|frameJson.
local function emit(ch, sid, origin, frame)
  local seq = redis.call('INCR', ch.seq)
  redis.call('PUBLISH', ch.topic, 'E' .. seq .. '|' .. sid .. '|' .. origin .. '|' .. cjson.encode(frame))
  return seq
end
local function dkey(ch, uk, stream)
  return ch.data .. stream .. '\n' .. uk
end
-- A stream went away: its kept messages go now (it was unpublished, its member quit), or after
-- the window (it timed out: its publisher may come back and resend).
local function release(ch, uk, stream, drop, window_ms)
  if drop then redis.call('DEL', dkey(ch, uk, stream))
  else redis.call('PEXPIRE', dkey(ch, uk, stream), window_ms) end
end
-- The newest [epoch, seq] kept of a stream, as 'stream:epoch:seq', or nil.
local function newest(ch, uk, stream)
  local last = redis.call('XREVRANGE', dkey(ch, uk, stream), '+', '-', 'COUNT', 1)
  if #last == 0 then return nil end
  local f = last[1][2]
  return stream .. ':' .. f[2] .. ':' .. f[4]
end
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
-- Moves the member's streams from `old` to `wanted` (csv), emitting the changes; returns the new csv.
local function reconcile_streams(ch, sid, me, uid, uk, old, wanted, removed_reason, window_ms)
  local want, want_set, have_set, kept = list(wanted), {}, {}, {}
  for _, s in ipairs(want) do want_set[s] = true end
  for _, s in ipairs(old) do
    have_set[s] = true
    if want_set[s] then
      kept[#kept + 1] = s
      redis.call('PERSIST', dkey(ch, uk, s))
    else
      emit(ch, sid, me, { type = 'stream-removed', uid = uid, streamId = s, reason = removed_reason })
      release(ch, uk, s, removed_reason == 'UNPUBLISHED', window_ms)
    end
  end
  for _, s in ipairs(want) do
    if not have_set[s] then
      have_set[s] = true
      kept[#kept + 1] = s
      redis.call('PERSIST', dkey(ch, uk, s))
      emit(ch, sid, me, { type = 'stream-added', uid = uid, streamId = s })
    end
  end
  return table.concat(kept, ',')
end
-- The member's record and role ('host' | 'audience'), or nil.
local function find_member(ch, uk)
  local cur = redis.call('HGET', ch.members, uk)
  if cur then return cur, 'host' end
  cur = redis.call('HGET', ch.audience, uk)
  if cur then return cur, 'audience' end
  return nil, nil
end
-- The member's streams csv and role if this node owns that session, else nil.
local function owned(ch, uk, sid, me)
  local cur, role = find_member(ch, uk)
  if not cur then return nil, nil end
  local csid, cnode, cstreams = split_member(cur)
  if csid ~= sid or cnode ~= me then return nil, nil end
  return cstreams, role
end
-- The counts now, as {hosts, audience}.
local function counts(ch)
  return redis.call('HLEN', ch.members), redis.call('HLEN', ch.audience)
end
-- The counts changed: they take a seq of their own, so a node can tell newer counts from older ones.
local function counts_changed(ch)
  redis.call('INCR', ch.seq)
end
-- A host becomes an audience member: its streams go (UNPUBLISHED, with their messages), then
-- its peers see it leave; it moves to the audience hash.
local function become_audience(ch, sid, me, uid, uk, streams)
  for _, s in ipairs(list(streams)) do
    emit(ch, sid, me, { type = 'stream-removed', uid = uid, streamId = s, reason = 'UNPUBLISHED' })
    release(ch, uk, s, true, 0)
  end
  emit(ch, sid, me, { type = 'peer-leave', uid = uid, reason = 'BECOME_AUDIENCE' })
  redis.call('HDEL', ch.members, uk)
  redis.call('HSET', ch.audience, uk, sid .. '|' .. me .. '|')
end
