-- The channel's members this node owns, hosts and audience (stale entries of its owned set are dropped on the way).
-- KEYS[1] hosts   KEYS[2] audience   KEYS[3] the channel's members this node owns
-- ARGV: this node
-- Reply: {uk1, sid1, uk2, sid2, ...}
local ch = { members = KEYS[1], audience = KEYS[2] }
local my_owned, me = KEYS[3], ARGV[1]
local res = {}
for _, uk in ipairs(redis.call('SMEMBERS', my_owned)) do
  local m = find_member(ch, uk)
  if m and m.n == me then
    res[#res + 1] = uk; res[#res + 1] = m.s
  else
    redis.call('SREM', my_owned, uk)
  end
end
return res
