-- Queues a webhook event for one URL, unless its queue is full.
-- KEYS[1] the URL's queue (a list, oldest first)
-- ARGV: the event's body, the queue's limit
-- Reply: the queue's length after; negative (minus the length) when the event was dropped
local queue, body, limit = KEYS[1], ARGV[1], tonumber(ARGV[2])
local n = redis.call('LLEN', queue)
if n >= limit then return -n end
return redis.call('RPUSH', queue, body)
