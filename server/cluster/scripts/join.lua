-- A fresh member, a resume, or a uid replacement, with the member's streams set to those wanted.
-- KEYS[1] members   KEYS[2] seq   KEYS[3] the set of members this node owns
-- ARGV: topic, data prefix, owned-set prefix, node-topic prefix, channel key, uk, assigned (0|1),
--       resume sid or '', new sid, this node, wanted streams (csv), max members, window ms
-- Reply: {'full'} | {'taken'} | {outcome, sid, seq, prevSid, prevNode, streamsCsv, publishedCsv, uk1, member1, ...}
local ch = { members = KEYS[1], seq = KEYS[2], topic = ARGV[1], data = ARGV[2] }
local my_owned, owned_prefix, node_topic_prefix = KEYS[3], ARGV[3], ARGV[4]
local K, uk, assigned, resume, new_sid, me, wanted, max_members, window_ms =
  ARGV[5], ARGV[6], ARGV[7], ARGV[8], ARGV[9], ARGV[10], ARGV[11], tonumber(ARGV[12]), ARGV[13]
local cur = redis.call('HGET', ch.members, uk)
local outcome, sid, prev_sid, prev_node, old = nil, nil, '', '', {}
if cur then
  local csid, cnode, cstreams = split_member(cur)
  if resume ~= '' and csid == resume then outcome = 'resumed'; sid = csid
  elseif assigned == '1' then return { 'taken' }
  else outcome = 'replaced'; sid = new_sid end
  prev_sid, prev_node, old = csid, cnode, list(cstreams)
else
  if redis.call('HLEN', ch.members) >= max_members then return { 'full' } end
  outcome = 'fresh'; sid = new_sid
end
-- The ref names the member in the owned sets: channel key and uid key.
local ref = K .. '\n' .. uk
if prev_node ~= '' then redis.call('SREM', owned_prefix .. prev_node, ref) end
redis.call('SADD', my_owned, ref)
local uid = uid_value(uk)
if outcome == 'fresh' then emit(ch, sid, me, { type = 'peer-online', uid = uid }) end
local streams = reconcile_streams(ch, sid, me, uid, uk, old, wanted, 'UNPUBLISHED', window_ms)
redis.call('HSET', ch.members, uk, sid .. '|' .. me .. '|' .. streams)
if prev_node ~= '' and prev_node ~= me then redis.call('PUBLISH', node_topic_prefix .. prev_node, outcome .. '|' .. prev_sid) end
local published = {}
for _, s in ipairs(list(streams)) do
  local n = newest(ch, uk, s)
  if n then published[#published + 1] = n end
end
local res = { outcome, sid, redis.call('GET', ch.seq) or '0', prev_sid, prev_node, streams, table.concat(published, ',') }
local all = redis.call('HGETALL', ch.members)
for i = 1, #all, 2 do
  if all[i] ~= uk then res[#res + 1] = all[i]; res[#res + 1] = all[i + 1] end
end
return res
