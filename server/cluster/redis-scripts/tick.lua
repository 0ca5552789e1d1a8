-- The node's heartbeat in the cluster (the registry's slot only), and (when it may claim) the
-- claim of dead nodes: a claimed node stays in the registry, kept alive by its claimer, until the
-- claimer has adopted its members channel by channel (adopt.lua) and releases it (release.lua).
-- If the claimer dies meanwhile, the dead node's deadline passes again and another node claims it.
-- KEYS[1] nodes (zset node -> deadline ms)   KEYS[2] heard (hash node -> last heartbeat ms)
-- KEYS[3] claims (hash dead node -> its claimer)
-- ARGV: this node, ttl ms, may claim (0|1)
-- Reply: {wasAbsent (0|1), claimed (0|1), dead1, silentMs1, ...}: the nodes this node has claimed;
-- claimed: this node was taken for dead and its adoption is under way (it waits for the release)
local nodes, heard, claims = KEYS[1], KEYS[2], KEYS[3]
local me, ttl, may_claim = ARGV[1], tonumber(ARGV[2]), ARGV[3]
local now = now_ms()
if redis.call('HEXISTS', claims, me) == 1 then return { '0', '1' } end
local res = { tostring(redis.call('ZADD', nodes, now + ttl, me)), '0' }
redis.call('HSET', heard, me, now)
-- The nodes this one is adopting stay claimed while it lives, and are named again (an adoption
-- that could not finish, a shard being down, is retried).
local all = redis.call('HGETALL', claims)
for i = 1, #all, 2 do
  if all[i + 1] == me then
    redis.call('ZADD', nodes, now + ttl, all[i])
    res[#res + 1] = all[i]
    res[#res + 1] = tostring(now - tonumber(redis.call('HGET', heard, all[i]) or now))
  end
end
if may_claim ~= '1' then return res end
for _, dead in ipairs(redis.call('ZRANGEBYSCORE', nodes, '-inf', now)) do
  if dead ~= me then
    redis.call('HSET', claims, dead, me)
    redis.call('ZADD', nodes, now + ttl, dead)
    res[#res + 1] = dead
    res[#res + 1] = tostring(now - tonumber(redis.call('HGET', heard, dead) or now))
  end
end
return res
