-- The node's heartbeat in the cluster, and (when it may claim) the adoption of dead nodes' members.
-- KEYS[1] nodes (zset node -> deadline ms)   KEYS[2] heard (hash node -> last heartbeat ms)
-- KEYS[3] the set of members this node owns
-- ARGV: owned-set prefix, hosts-key prefix, audience-key prefix, this node, ttl ms, may claim (0|1)
-- Reply: {wasAbsent (0|1), K1, uk1, role1, record1, silentMs1, ...}: the members adopted
local nodes, heard, my_owned = KEYS[1], KEYS[2], KEYS[3]
local owned_prefix, members_prefix, audience_prefix, me, ttl, may_claim = ARGV[1], ARGV[2], ARGV[3], ARGV[4], tonumber(ARGV[5]), ARGV[6]
local now = now_ms()
local res = { tostring(redis.call('ZADD', nodes, now + ttl, me)) }
redis.call('HSET', heard, me, now)
if may_claim ~= '1' then return res end
for _, dead in ipairs(redis.call('ZRANGEBYSCORE', nodes, '-inf', now)) do
  if dead ~= me then
    redis.call('ZREM', nodes, dead)
    local silent = now - tonumber(redis.call('HGET', heard, dead) or now)
    redis.call('HDEL', heard, dead)
    local okey = owned_prefix .. dead
    for _, ref in ipairs(redis.call('SMEMBERS', okey)) do
      local nl = string.find(ref, '\n', 1, true)
      local K, uk = string.sub(ref, 1, nl - 1), string.sub(ref, nl + 1)
      local role, hkey = 'host', members_prefix .. K
      local cur = redis.call('HGET', hkey, uk)
      if not cur then role, hkey = 'audience', audience_prefix .. K; cur = redis.call('HGET', hkey, uk) end
      if cur then
        local m = cjson.decode(cur)
        if m.n == dead then
          m.n = me
          local record = cjson.encode(m)
          redis.call('HSET', hkey, uk, record)
          redis.call('SADD', my_owned, ref)
          res[#res + 1] = K; res[#res + 1] = uk; res[#res + 1] = role; res[#res + 1] = record; res[#res + 1] = tostring(silent)
        end
      end
    end
    redis.call('DEL', okey)
  end
end
return res
