-- A node stops. With no members it leaves no trace (and the event counter goes with the last
-- node); otherwise it is marked dead at once, so a surviving node adopts its members now.
-- KEYS[1] nodes   KEYS[2] heard   KEYS[3] the set of members this node owns   KEYS[4] seq
-- ARGV: this node
-- Reply: 1
local nodes, heard, my_owned, seq, me = KEYS[1], KEYS[2], KEYS[3], KEYS[4], ARGV[1]
if redis.call('SCARD', my_owned) == 0 then
  redis.call('ZREM', nodes, me)
  redis.call('HDEL', heard, me)
  if redis.call('ZCARD', nodes) == 0 then redis.call('DEL', seq) end
else
  redis.call('HSET', heard, me, now_ms())
  redis.call('ZADD', nodes, 0, me)
end
return 1
