-- A webhook event was delivered: take it off the head of its queue, if it is still there.
-- KEYS[1] the URL's queue
-- ARGV: the event's body
-- Reply: the queue's length after
local queue, body = KEYS[1], ARGV[1]
if redis.call('LINDEX', queue, 0) == body then redis.call('LPOP', queue) end
return redis.call('LLEN', queue)
