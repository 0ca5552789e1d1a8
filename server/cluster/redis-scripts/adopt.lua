-- This node adopts the members a dead node owned in one channel (its owned set goes).
-- KEYS[1] hosts   KEYS[2] audience   KEYS[3] the channel's members the dead node owns
-- KEYS[4] the channel's members this node owns
-- ARGV: the dead node, this node
-- Reply: {uk1, role1, record1, ...}: the members adopted (those the dead node still owned)
local ch = { members = KEYS[1], audience = KEYS[2] }
local dead_owned, my_owned, dead, me = KEYS[3], KEYS[4], ARGV[1], ARGV[2]
local res = {}
for _, uk in ipairs(redis.call('SMEMBERS', dead_owned)) do
  local m, role = find_member(ch, uk)
  if m and m.n == dead then
    m.n = me
    local record = cjson.encode(m)
    if role == 'host' then redis.call('HSET', ch.members, uk, record) else redis.call('HSET', ch.audience, uk, record) end
    redis.call('SADD', my_owned, uk)
    res[#res + 1] = uk; res[#res + 1] = role; res[#res + 1] = record
  end
end
redis.call('DEL', dead_owned)
return res
