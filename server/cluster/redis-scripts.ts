/**
 * The Redis store's operations as Lua scripts: each runs atomically, changes the members of one
 * channel and publishes the resulting events with their seq, so every node sees the same order.
 *
 * Keys (P = prefix, K = channel key, uk = uid key, see src/keys.ts):
 *   P m:K      hash  uk -> "sessionId|ownerNode|stream1,stream2"   (deleted with its last member)
 *   P o:NODE   set   "K\nuk" of the members NODE owns              (emptied as they leave; deleted on adoption)
 *   P nodes    zset  node -> deadline ms (last heartbeat + TTL)      (a dead node is removed by the one that adopts it)
 *   P heard    hash  node -> last heartbeat ms
 *   P seq      the event counter                                    (deleted when the last node retires)
 *   P d:K\nstreamId\nuk  stream  a stream's recent messages (e epoch, s seq, f frame)
 *                                   (deleted when it is unpublished or its member quits; expires
 *                                   after the window when it times out; trimmed by MAXLEN)
 * Pub/sub: P c:K carries a channel's events ("E seq|sessionId|origin|frameJson") and data
 * ("D" + origin + frame); P n:NODE carries what a node must do ("resumed|sessionId", "replaced|sessionId").
 * Keys are computed inside the scripts: a single Redis (or a primary with replicas), not Redis Cluster.
 */

const HELPERS = `
local P = ARGV[1]
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
local function emit(K, sid, origin, frame)
  local seq = redis.call('INCR', P .. 'seq')
  redis.call('PUBLISH', P .. 'c:' .. K, 'E' .. seq .. '|' .. sid .. '|' .. origin .. '|' .. cjson.encode(frame))
  return seq
end
local function dkey(K, uk, stream)
  return P .. 'd:' .. K .. '\\n' .. stream .. '\\n' .. uk
end
-- A stream went away: its kept messages go now (it was unpublished, its member quit), or after
-- the window (it timed out: its publisher may come back and resend).
local function release(K, uk, stream, drop, window_ms)
  if drop then redis.call('DEL', dkey(K, uk, stream))
  else redis.call('PEXPIRE', dkey(K, uk, stream), window_ms) end
end
-- The newest [epoch, seq] kept of a stream, as 'stream:epoch:seq', or nil.
local function newest(K, uk, stream)
  local last = redis.call('XREVRANGE', dkey(K, uk, stream), '+', '-', 'COUNT', 1)
  if #last == 0 then return nil end
  local f = last[1][2]
  return stream .. ':' .. f[2] .. ':' .. f[4]
end
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
-- Moves the member's streams from \`old\` to \`wanted\` (csv), emitting the changes; returns the new csv.
local function reconcile_streams(K, sid, me, uid, uk, old, wanted, removed_reason, window_ms)
  local want, want_set, have_set, kept = list(wanted), {}, {}, {}
  for _, s in ipairs(want) do want_set[s] = true end
  for _, s in ipairs(old) do
    have_set[s] = true
    if want_set[s] then
      kept[#kept + 1] = s
      redis.call('PERSIST', dkey(K, uk, s))
    else
      emit(K, sid, me, { type = 'stream-removed', uid = uid, streamId = s, reason = removed_reason })
      release(K, uk, s, removed_reason == 'UNPUBLISHED', window_ms)
    end
  end
  for _, s in ipairs(want) do
    if not have_set[s] then
      have_set[s] = true
      kept[#kept + 1] = s
      redis.call('PERSIST', dkey(K, uk, s))
      emit(K, sid, me, { type = 'stream-added', uid = uid, streamId = s })
    end
  end
  return table.concat(kept, ',')
end
-- The member if this node owns that session: sid, streams csv; else nil.
local function owned(mkey, uk, sid, me)
  local cur = redis.call('HGET', mkey, uk)
  if not cur then return nil end
  local csid, cnode, cstreams = split_member(cur)
  if csid ~= sid or cnode ~= me then return nil end
  return cstreams
end
`;

/** ARGV: P, K, uk, assigned(0|1), resumeSid|'', newSid, me, wantedCsv, maxMembers, windowMs.
 *  Returns {'full'} | {'taken'} | {outcome, sid, seq, prevSid, prevNode, streamsCsv, publishedCsv, uk1, member1, ...}
 *  (publishedCsv: 'stream:epoch:seq' of the newest message kept of each of its streams). */
export const JOIN = `${HELPERS}
local K, uk, assigned, resume, new_sid, me, wanted, max_members, window_ms = ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8], tonumber(ARGV[9]), ARGV[10]
local mkey = P .. 'm:' .. K
local cur = redis.call('HGET', mkey, uk)
local outcome, sid, prev_sid, prev_node, old = nil, nil, '', '', {}
if cur then
  local csid, cnode, cstreams = split_member(cur)
  if resume ~= '' and csid == resume then outcome = 'resumed'; sid = csid
  elseif assigned == '1' then return { 'taken' }
  else outcome = 'replaced'; sid = new_sid end
  prev_sid, prev_node, old = csid, cnode, list(cstreams)
else
  if redis.call('HLEN', mkey) >= max_members then return { 'full' } end
  outcome = 'fresh'; sid = new_sid
end
local ref = K .. '\\n' .. uk
if prev_node ~= '' then redis.call('SREM', P .. 'o:' .. prev_node, ref) end
redis.call('SADD', P .. 'o:' .. me, ref)
local uid = uid_value(uk)
if outcome == 'fresh' then emit(K, sid, me, { type = 'peer-online', uid = uid }) end
local streams = reconcile_streams(K, sid, me, uid, uk, old, wanted, 'UNPUBLISHED', window_ms)
redis.call('HSET', mkey, uk, sid .. '|' .. me .. '|' .. streams)
if prev_node ~= '' and prev_node ~= me then redis.call('PUBLISH', P .. 'n:' .. prev_node, outcome .. '|' .. prev_sid) end
local published = {}
for _, s in ipairs(list(streams)) do
  local n = newest(K, uk, s)
  if n then published[#published + 1] = n end
end
local res = { outcome, sid, redis.call('GET', P .. 'seq') or '0', prev_sid, prev_node, streams, table.concat(published, ',') }
local all = redis.call('HGETALL', mkey)
for i = 1, #all, 2 do
  if all[i] ~= uk then res[#res + 1] = all[i]; res[#res + 1] = all[i + 1] end
end
return res
`;

/** ARGV: P, K, uk, sid, me, reason (QUIT|SERVER_TIMEOUT), windowMs. Returns 1 if removed, 0 if not this node's. */
export const LEAVE = `${HELPERS}
local K, uk, sid, me, reason, window_ms = ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7]
local mkey = P .. 'm:' .. K
local streams = owned(mkey, uk, sid, me)
if not streams then return 0 end
local uid = uid_value(uk)
local stream_reason = 'NO_DATA'
if reason == 'QUIT' then stream_reason = 'PEER_LEFT' end
for _, s in ipairs(list(streams)) do
  emit(K, sid, me, { type = 'stream-removed', uid = uid, streamId = s, reason = stream_reason })
  release(K, uk, s, reason == 'QUIT', window_ms)
end
emit(K, sid, me, { type = 'peer-leave', uid = uid, reason = reason })
redis.call('HDEL', mkey, uk)
redis.call('SREM', P .. 'o:' .. me, K .. '\\n' .. uk)
return 1
`;

/** ARGV: P, K, uk, sid, me, windowMs. Every stream goes (NO_DATA). Returns 1, or 0 if not this node's. */
export const REMOVE_STREAMS = `${HELPERS}
local K, uk, sid, me, window_ms = ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local mkey = P .. 'm:' .. K
local streams = owned(mkey, uk, sid, me)
if not streams then return 0 end
local uid = uid_value(uk)
for _, s in ipairs(list(streams)) do
  emit(K, sid, me, { type = 'stream-removed', uid = uid, streamId = s, reason = 'NO_DATA' })
  release(K, uk, s, false, window_ms)
end
redis.call('HSET', mkey, uk, sid .. '|' .. me .. '|')
return 1
`;

/** ARGV: P, K, uk, sid, me, streamId, maxStreams. Returns added | exists | limit | gone. */
export const PUBLISH = `${HELPERS}
local K, uk, sid, me, stream, max_streams = ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], tonumber(ARGV[7])
local mkey = P .. 'm:' .. K
local streams = owned(mkey, uk, sid, me)
if not streams then return 'gone' end
local current = list(streams)
for _, s in ipairs(current) do if s == stream then return 'exists' end end
if #current >= max_streams then return 'limit' end
current[#current + 1] = stream
redis.call('HSET', mkey, uk, sid .. '|' .. me .. '|' .. table.concat(current, ','))
emit(K, sid, me, { type = 'stream-added', uid = uid_value(uk), streamId = stream })
return 'added'
`;

/** ARGV: P, K, uk, sid, me, streamId. Returns removed | absent | gone. */
export const UNPUBLISH = `${HELPERS}
local K, uk, sid, me, stream = ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local mkey = P .. 'm:' .. K
local streams = owned(mkey, uk, sid, me)
if not streams then return 'gone' end
local kept, found = {}, false
for _, s in ipairs(list(streams)) do
  if s == stream then found = true else kept[#kept + 1] = s end
end
if not found then return 'absent' end
redis.call('HSET', mkey, uk, sid .. '|' .. me .. '|' .. table.concat(kept, ','))
emit(K, sid, me, { type = 'stream-removed', uid = uid_value(uk), streamId = stream, reason = 'UNPUBLISHED' })
release(K, uk, stream, true, 0)
return 'removed'
`;

/** ARGV: P, K. Returns {seq, uk1, member1, ...}: a consistent read of the channel. */
export const SNAPSHOT = `${HELPERS}
local res = { redis.call('GET', P .. 'seq') or '0' }
local all = redis.call('HGETALL', P .. 'm:' .. ARGV[2])
for i = 1, #all do res[#res + 1] = all[i] end
return res
`;

/** ARGV: P, K, uk, sid, me, streamsCsv, connected(0|1), windowMs. Returns ok | lost. */
export const RESTORE = `${HELPERS}
local K, uk, sid, me, wanted, connected, window_ms = ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8]
local mkey = P .. 'm:' .. K
local ref = K .. '\\n' .. uk
local uid = uid_value(uk)
local cur = redis.call('HGET', mkey, uk)
local old = {}
if cur then
  local csid, cnode, cstreams = split_member(cur)
  if csid ~= sid then return 'lost' end
  if cnode ~= me then
    -- Taken over meanwhile: a connected session here wins (its client is here), a dropped one yields.
    if connected ~= '1' then return 'lost' end
    redis.call('SREM', P .. 'o:' .. cnode, ref)
    redis.call('PUBLISH', P .. 'n:' .. cnode, 'resumed|' .. sid)
  end
  old = list(cstreams)
else
  emit(K, sid, me, { type = 'peer-online', uid = uid })
end
redis.call('SADD', P .. 'o:' .. me, ref)
local streams = reconcile_streams(K, sid, me, uid, uk, old, wanted, 'NO_DATA', window_ms)
redis.call('HSET', mkey, uk, sid .. '|' .. me .. '|' .. streams)
return 'ok'
`;

/** ARGV: P, me. Returns {K1, uk1, sid1, ...}: the members this node owns (stale index entries are dropped). */
export const OWNED = `${HELPERS}
local me = ARGV[2]
local okey = P .. 'o:' .. me
local res = {}
for _, ref in ipairs(redis.call('SMEMBERS', okey)) do
  local nl = string.find(ref, '\\n', 1, true)
  local K, uk = string.sub(ref, 1, nl - 1), string.sub(ref, nl + 1)
  local cur = redis.call('HGET', P .. 'm:' .. K, uk)
  local csid, cnode = nil, nil
  if cur then csid, cnode = split_member(cur) end
  if cnode == me then
    res[#res + 1] = K; res[#res + 1] = uk; res[#res + 1] = csid
  else
    redis.call('SREM', okey, ref)
  end
end
return res
`;

/**
 * The node's heartbeat, and (with mayClaim) the adoption of dead nodes' members.
 * ARGV: P, me, ttlMs, mayClaim(0|1). Returns {wasAbsent(0|1), K1, uk1, sid1, streams1, silentMs1, ...}.
 */
export const TICK = `${HELPERS}
local me, ttl, may_claim = ARGV[2], tonumber(ARGV[3]), ARGV[4]
local now = now_ms()
local res = { tostring(redis.call('ZADD', P .. 'nodes', now + ttl, me)) }
redis.call('HSET', P .. 'heard', me, now)
if may_claim ~= '1' then return res end
for _, dead in ipairs(redis.call('ZRANGEBYSCORE', P .. 'nodes', '-inf', now)) do
  if dead ~= me then
    redis.call('ZREM', P .. 'nodes', dead)
    local silent = now - tonumber(redis.call('HGET', P .. 'heard', dead) or now)
    redis.call('HDEL', P .. 'heard', dead)
    local okey = P .. 'o:' .. dead
    for _, ref in ipairs(redis.call('SMEMBERS', okey)) do
      local nl = string.find(ref, '\\n', 1, true)
      local K, uk = string.sub(ref, 1, nl - 1), string.sub(ref, nl + 1)
      local mkey = P .. 'm:' .. K
      local cur = redis.call('HGET', mkey, uk)
      if cur then
        local csid, cnode, cstreams = split_member(cur)
        if cnode == dead then
          redis.call('HSET', mkey, uk, csid .. '|' .. me .. '|' .. cstreams)
          redis.call('SADD', P .. 'o:' .. me, ref)
          res[#res + 1] = K; res[#res + 1] = uk; res[#res + 1] = csid; res[#res + 1] = cstreams; res[#res + 1] = tostring(silent)
        end
      end
    end
    redis.call('DEL', okey)
  end
end
return res
`;

/**
 * A node stops. With no members it leaves no trace (and the event counter goes with the last
 * node); otherwise it is marked dead at once so a surviving node adopts its members now.
 * ARGV: P, me.
 */
export const RETIRE = `${HELPERS}
local me = ARGV[2]
if redis.call('SCARD', P .. 'o:' .. me) == 0 then
  redis.call('ZREM', P .. 'nodes', me)
  redis.call('HDEL', P .. 'heard', me)
  if redis.call('ZCARD', P .. 'nodes') == 0 then redis.call('DEL', P .. 'seq') end
else
  redis.call('HSET', P .. 'heard', me, now_ms())
  redis.call('ZADD', P .. 'nodes', 0, me)
end
return 1
`;

/**
 * A published message: kept (trimmed to maxLen entries) and, unless no other node listens, sent to
 * the channel's other nodes. ARGV: P, K, uk, streamId, epoch, seq, frame, maxLen, publish(0|1), origin.
 * Returns the number of nodes that got it (-1: not published).
 */
export const APPEND = `${HELPERS}
local K, uk, stream, epoch, seq, frame, max_len, publish, origin = ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8], ARGV[9], ARGV[10]
redis.call('XADD', dkey(K, uk, stream), 'MAXLEN', max_len, '*', 'e', epoch, 's', seq, 'f', frame)
if publish ~= '1' then return -1 end
return redis.call('PUBLISH', P .. 'c:' .. K, 'D' .. string.char(#origin) .. origin .. frame)
`;

/**
 * The messages kept of a stream after [epoch, seq], within the window: of the newest epoch only
 * (another epoch than asked: all of it). ARGV: P, K, uk, streamId, epoch, seq, windowMs.
 * Returns nil (nothing kept) or {epoch, newestSeq, seq1, frame1, seq2, frame2, ...}.
 */
export const READ = `${HELPERS}
local K, uk, stream, epoch, seq, window_ms = ARGV[2], ARGV[3], ARGV[4], tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])
local key = dkey(K, uk, stream)
local last = redis.call('XREVRANGE', key, '+', '-', 'COUNT', 1)
if #last == 0 then return false end
local newest_epoch, newest_seq = tonumber(last[1][2][2]), tonumber(last[1][2][4])
local after = 0
if epoch == newest_epoch then after = seq end
local res = { tostring(newest_epoch), tostring(newest_seq) }
for _, entry in ipairs(redis.call('XRANGE', key, tostring(now_ms() - window_ms), '+')) do
  local f = entry[2]
  local s = tonumber(f[4])
  if tonumber(f[2]) == newest_epoch and s > after then res[#res + 1] = f[4]; res[#res + 1] = f[6] end
end
return res
`;
