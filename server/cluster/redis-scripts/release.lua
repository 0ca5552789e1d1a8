-- The members of a dead node are adopted: it leaves the registry (if this node is still its claimer).
-- KEYS[1] nodes   KEYS[2] heard   KEYS[3] claims
-- ARGV: the dead node, this node
-- Reply: 1 released, 0 another node claimed it meanwhile
local nodes, heard, claims, dead, me = KEYS[1], KEYS[2], KEYS[3], ARGV[1], ARGV[2]
if redis.call('HGET', claims, dead) ~= me then return 0 end
redis.call('ZREM', nodes, dead)
redis.call('HDEL', heard, dead)
redis.call('HDEL', claims, dead)
return 1
