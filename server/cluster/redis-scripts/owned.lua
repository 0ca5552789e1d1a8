-- The members this node owns, hosts and audience (stale entries of its owned set are dropped on the way).
-- KEYS[1] the set of members this node owns
-- ARGV: hosts-key prefix, audience-key prefix, this node
-- Reply: {K1, uk1, sid1, K2, uk2, sid2, ...}
local my_owned, members_prefix, audience_prefix, me = KEYS[1], ARGV[1], ARGV[2], ARGV[3]
local res = {}
for _, ref in ipairs(redis.call('SMEMBERS', my_owned)) do
  local nl = string.find(ref, '\n', 1, true)
  local K, uk = string.sub(ref, 1, nl - 1), string.sub(ref, nl + 1)
  local cur = redis.call('HGET', members_prefix .. K, uk) or redis.call('HGET', audience_prefix .. K, uk)
  local m = nil
  if cur then m = cjson.decode(cur) end
  if m and m.n == me then
    res[#res + 1] = K; res[#res + 1] = uk; res[#res + 1] = m.s
  else
    redis.call('SREM', my_owned, ref)
  end
end
return res
