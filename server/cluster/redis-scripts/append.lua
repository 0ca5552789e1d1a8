-- A published message: kept (trimmed to max-len entries) and, unless no other node listens, sent
-- to the channel's other nodes as 'D' + origin length + origin + frame.
-- KEYS[1] the stream's message key
-- ARGV: topic, epoch, seq, frame, max len, publish (0|1), origin node
-- Reply: the number of nodes that got it (-1: not published)
local key, topic = KEYS[1], ARGV[1]
local epoch, seq, frame, max_len, publish, origin = ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7]
redis.call('XADD', key, 'MAXLEN', max_len, '*', 'e', epoch, 's', seq, 'f', frame)
if publish ~= '1' then return -1 end
return redis.call(PUBLISH, topic, 'D' .. string.char(#origin) .. origin .. frame)
