-- A node stops. With no members it leaves no trace; otherwise it is marked dead at once, so a
-- surviving node adopts its members now.
-- KEYS[1] nodes   KEYS[2] heard
-- ARGV: this node, whether it owns members (0|1)
-- Reply: 1
local nodes, heard, me, owns = KEYS[1], KEYS[2], ARGV[1], ARGV[2]
if owns == '0' then
  redis.call('ZREM', nodes, me)
  redis.call('HDEL', heard, me)
else
  redis.call('HSET', heard, me, now_ms())
  redis.call('ZADD', nodes, 0, me)
end
return 1
