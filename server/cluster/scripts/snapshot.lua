-- A consistent read of the channel: the event counter and every member.
-- KEYS[1] members   KEYS[2] seq
-- Reply: {seq, uk1, member1, ...}
local res = { redis.call('GET', KEYS[2]) or '0' }
local all = redis.call('HGETALL', KEYS[1])
for i = 1, #all do res[#res + 1] = all[i] end
return res
