-- Makes the store agree with a session this node holds, after an outage: the member is there
-- again, owned by this node, in its role, with these streams (streams it no longer has go as NO_DATA).
-- KEYS[1] hosts   KEYS[2] seq   KEYS[3] audience   KEYS[4] the set of members this node owns
-- ARGV: topic, data prefix, owned-set prefix, node-topic prefix, channel key, uk, sid, this node,
--       role, streams (csv), connected (0|1), window ms
-- Reply: ok | lost (its uid belongs to another session, or another node took a dropped session over)
local ch = { members = KEYS[1], seq = KEYS[2], audience = KEYS[3], topic = ARGV[1], data = ARGV[2] }
local my_owned, owned_prefix, node_topic_prefix = KEYS[4], ARGV[3], ARGV[4]
local K, uk, sid, me, role, wanted, connected, window_ms = ARGV[5], ARGV[6], ARGV[7], ARGV[8], ARGV[9], ARGV[10], ARGV[11], ARGV[12]
local ref = K .. '\n' .. uk
local uid = uid_value(uk)
local cur, cur_role = find_member(ch, uk)
local old = {}
if cur then
  local csid, cnode, cstreams = split_member(cur)
  if csid ~= sid then return 'lost' end
  if cnode ~= me then
    -- Taken over meanwhile: a connected session here wins (its client is here), a dropped one yields.
    if connected ~= '1' then return 'lost' end
    redis.call('SREM', owned_prefix .. cnode, ref)
    redis.call('PUBLISH', node_topic_prefix .. cnode, 'resumed|' .. sid)
  end
  old = list(cstreams)
end
redis.call('SADD', my_owned, ref)
if role == 'host' then
  if cur_role ~= 'host' then
    redis.call('HDEL', ch.audience, uk)
    emit(ch, sid, me, { type = 'peer-online', uid = uid })
    old = {}
  end
  local streams = reconcile_streams(ch, sid, me, uid, uk, old, wanted, 'NO_DATA', window_ms)
  redis.call('HSET', ch.members, uk, sid .. '|' .. me .. '|' .. streams)
else
  redis.call('HDEL', ch.members, uk)
  redis.call('HSET', ch.audience, uk, sid .. '|' .. me .. '|')
end
if cur_role ~= role then counts_changed(ch) end
return 'ok'
