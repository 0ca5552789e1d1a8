-- Shared by every script (prepended to each one's source). A channel's keys travel in a table:
--   ch.members  hash uk -> member record of its hosts
--   ch.audience hash uk -> member record of its audience (never announced, no streams)
--   ch.seq      the channel's event counter (also taken by every change of the counts)
--   ch.topic    the pub/sub channel of the channel's events and data
--   ch.dkeys    stream id -> its message key, for the streams the call declared
--   ch.owner    the node whose owned set the call declared (ch.owner_key), if any
-- A script never builds a key's name: every key it touches comes in KEYS, all in the channel's
-- slot. Keys that depend on what the script reads (the member's streams, the node that owned it)
-- are declared by the caller, last in KEYS, and named in ARGV[2] as 'owner|stream1,stream2'
-- (channel-args.ts). A call that needs one it was not given answers NEEDKEYS before it writes
-- anything, and the caller runs it again with them (runner.ts).
-- A member record is JSON: s session id, n owning node, t streams (csv), a attributes (absent
-- while empty), q quality [up, down] (absent while unknown), j when it joined (ms).
-- PUBLISH is the command that sends to a channel's topic: SPUBLISH (sharded pub/sub, the topic in
-- the channel's slot), or PUBLISH on a single Redis older than 7 (script.ts sets it).
local PUBLISH = 'SPUBLISH'
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
  redis.call(PUBLISH, ch.topic, 'E' .. seq .. '|' .. sid .. '|' .. origin .. '|' .. cjson.encode(frame))
  return seq
end
-- The channel of this call: its keys KEYS[1..3], its topic ARGV[1], the keys declared in ARGV[2].
local function channel()
  local ch = { members = KEYS[1], seq = KEYS[2], audience = KEYS[3], topic = ARGV[1], dkeys = {} }
  local spec = ARGV[2]
  local bar = string.find(spec, '|', 1, true)
  local streams = list(string.sub(spec, bar + 1))
  local at = #KEYS - #streams
  if bar > 1 then ch.owner, ch.owner_key = string.sub(spec, 1, bar - 1), KEYS[at] end
  for i, s in ipairs(streams) do ch.dkeys[s] = KEYS[at + i] end
  return ch
end
-- nil when the call declared every key it needs (the owned set of `owner`, if not nil or '', and
-- the message key of every stream in the lists given), else the NEEDKEYS error that names them all.
local function undeclared(ch, owner, ...)
  local need, seen, missing = {}, {}, false
  for _, streams in ipairs({ ... }) do
    for _, s in ipairs(streams) do
      if not seen[s] then
        seen[s] = true
        need[#need + 1] = s
        if not ch.dkeys[s] then missing = true end
      end
    end
  end
  owner = owner or ''
  if owner ~= '' and owner ~= ch.owner then missing = true end
  if not missing then return nil end
  return redis.error_reply('NEEDKEYS ' .. owner .. '|' .. table.concat(need, ','))
end
-- The declared message key of a stream (undeclared() has checked it was given).
local function dkey(ch, stream)
  local key = ch.dkeys[stream]
  if not key then error('the message key of stream ' .. stream .. ' was not declared') end
  return key
end
-- A stream went away: its kept messages go now (it was unpublished, its member quit), or after
-- the window (it timed out: its publisher may come back and resend).
local function release(ch, stream, drop, window_ms)
  if drop then redis.call('DEL', dkey(ch, stream))
  else redis.call('PEXPIRE', dkey(ch, stream), window_ms) end
end
-- The newest [epoch, seq] kept of a stream, as 'stream:epoch:seq', or nil.
local function newest(ch, stream)
  local last = redis.call('XREVRANGE', dkey(ch, stream), '+', '-', 'COUNT', 1)
  if #last == 0 then return nil end
  local f = last[1][2]
  return stream .. ':' .. f[2] .. ':' .. f[4]
end
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
-- Whether a table of attributes has any key.
local function has_keys(t)
  return t ~= nil and next(t) ~= nil
end
-- What peers are told of a host coming online (with its attributes, when it has some).
local function online_entry(uid, m)
  if has_keys(m.a) then return { type = 'peer-online', uid = uid, attributes = m.a } end
  return { type = 'peer-online', uid = uid }
end
-- Moves the member's streams from `old` to `wanted` (csv), emitting the changes; returns the new csv.
local function reconcile_streams(ch, sid, me, uid, old, wanted, removed_reason, window_ms)
  local want, want_set, have_set, kept = list(wanted), {}, {}, {}
  for _, s in ipairs(want) do want_set[s] = true end
  for _, s in ipairs(old) do
    have_set[s] = true
    if want_set[s] then
      kept[#kept + 1] = s
      redis.call('PERSIST', dkey(ch, s))
    else
      emit(ch, sid, me, { type = 'stream-removed', uid = uid, streamId = s, reason = removed_reason })
      release(ch, s, removed_reason == 'UNPUBLISHED', window_ms)
    end
  end
  for _, s in ipairs(want) do
    if not have_set[s] then
      have_set[s] = true
      kept[#kept + 1] = s
      redis.call('PERSIST', dkey(ch, s))
      emit(ch, sid, me, { type = 'stream-added', uid = uid, streamId = s })
    end
  end
  return table.concat(kept, ',')
end
-- The member's record (decoded) and role ('host' | 'audience'), or nil.
local function find_member(ch, uk)
  local cur = redis.call('HGET', ch.members, uk)
  if cur then return cjson.decode(cur), 'host' end
  cur = redis.call('HGET', ch.audience, uk)
  if cur then return cjson.decode(cur), 'audience' end
  return nil, nil
end
-- The member's record and role if this node owns that session, else nil.
local function owned(ch, uk, sid, me)
  local m, role = find_member(ch, uk)
  if not m or m.s ~= sid or m.n ~= me then return nil, nil end
  return m, role
end
-- Writes the record into its role's hash (and out of the other one).
local function save(ch, uk, m, role)
  if role == 'host' then
    redis.call('HDEL', ch.audience, uk)
    redis.call('HSET', ch.members, uk, cjson.encode(m))
  else
    m.t = ''
    redis.call('HDEL', ch.members, uk)
    redis.call('HSET', ch.audience, uk, cjson.encode(m))
  end
end
-- The counts now, as {hosts, audience}.
local function counts(ch)
  return redis.call('HLEN', ch.members), redis.call('HLEN', ch.audience)
end
-- The counts changed: they take a seq of their own, so a node can tell newer counts from older ones.
local function counts_changed(ch)
  redis.call('INCR', ch.seq)
end
-- How long an empty channel's counter is kept: far longer than any join in flight that saw its
-- last events, so a channel's numbering never restarts under a node that watches it.
local SEQ_IDLE_MS = 600000
-- The channel has members again: its counter stays. Empty: it goes after SEQ_IDLE_MS.
local function keep_seq(ch)
  local hosts, audience = counts(ch)
  if hosts + audience == 0 then redis.call('PEXPIRE', ch.seq, SEQ_IDLE_MS) else redis.call('PERSIST', ch.seq) end
end
-- A host becomes an audience member: its streams go (UNPUBLISHED, with their messages), then
-- its peers see it leave; it moves to the audience hash.
local function become_audience(ch, me, uid, uk, m)
  for _, s in ipairs(list(m.t)) do
    emit(ch, m.s, me, { type = 'stream-removed', uid = uid, streamId = s, reason = 'UNPUBLISHED' })
    release(ch, s, true, 0)
  end
  emit(ch, m.s, me, { type = 'peer-leave', uid = uid, reason = 'BECOME_AUDIENCE' })
  save(ch, uk, m, 'audience')
end
-- Two attribute tables hold the same keys and values.
local function same_attributes(a, b)
  a = a or {}
  b = b or {}
  for k, v in pairs(a) do if b[k] ~= v then return false end end
  for k, _ in pairs(b) do if a[k] == nil then return false end end
  return true
end
