-- Makes the store agree with a session this node holds, after an outage: the member is there
-- again, owned by this node, with these streams (streams it no longer has go as NO_DATA).
-- KEYS[1] members   KEYS[2] seq   KEYS[3] the set of members this node owns
-- ARGV: topic, data prefix, owned-set prefix, node-topic prefix, channel key, uk, sid, this node,
--       streams (csv), connected (0|1), window ms
-- Reply: ok | lost (its uid belongs to another session, or another node took a dropped session over)
local ch = { members = KEYS[1], seq = KEYS[2], topic = ARGV[1], data = ARGV[2] }
local my_owned, owned_prefix, node_topic_prefix = KEYS[3], ARGV[3], ARGV[4]
local K, uk, sid, me, wanted, connected, window_ms = ARGV[5], ARGV[6], ARGV[7], ARGV[8], ARGV[9], ARGV[10], ARGV[11]
local ref = K .. '\n' .. uk
local uid = uid_value(uk)
local cur = redis.call('HGET', ch.members, uk)
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
else
  emit(ch, sid, me, { type = 'peer-online', uid = uid })
end
redis.call('SADD', my_owned, ref)
local streams = reconcile_streams(ch, sid, me, uid, uk, old, wanted, 'NO_DATA', window_ms)
redis.call('HSET', ch.members, uk, sid .. '|' .. me .. '|' .. streams)
return 'ok'
