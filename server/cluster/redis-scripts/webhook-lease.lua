-- The lease of one URL's queue: the one node that sends its events, one at a time, in order.
-- KEYS[1] the lease (a string: its holder; expires by itself)   KEYS[2] the URL's queue
-- ARGV: holder, what to do (take | renew | yield | drop), lease ms
--   take:  the lease if nobody holds it and the queue has events
--   renew: extends the lease if it is still ours
--   yield: gives it up if ours and the queue is empty (an event pushed meanwhile keeps it ours)
--   drop:  gives it up if ours (the node is closing)
-- Reply: 'held' (ours after the call), 'free' (nobody's), 'other' (another holder's)
local lease, queue, me, what, ms = KEYS[1], KEYS[2], ARGV[1], ARGV[2], tonumber(ARGV[3])
local holder = redis.call('GET', lease)
if what == 'take' then
  if holder == me then redis.call('PEXPIRE', lease, ms); return 'held' end
  if holder then return 'other' end
  if redis.call('LLEN', queue) == 0 then return 'free' end
  redis.call('SET', lease, me, 'PX', ms)
  return 'held'
end
if holder ~= me then
  if holder then return 'other' end
  return 'free'
end
if what == 'renew' then redis.call('PEXPIRE', lease, ms); return 'held' end
if what == 'yield' and redis.call('LLEN', queue) > 0 then redis.call('PEXPIRE', lease, ms); return 'held' end
redis.call('DEL', lease)
return 'free'
