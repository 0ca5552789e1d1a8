-- A consistent read of the channel: the event counter, the counts and every host.
-- KEYS[1] hosts   KEYS[2] seq   KEYS[3] audience
-- Reply: {seq, hosts, audience, uk1, member1, ...}
local res = { redis.call('GET', KEYS[2]) or '0', redis.call('HLEN', KEYS[1]), redis.call('HLEN', KEYS[3]) }
local all = redis.call('HGETALL', KEYS[1])
for i = 1, #all do res[#res + 1] = all[i] end
return res
