-- The member publishes one more stream.
-- KEYS[1] hosts   KEYS[2] seq   KEYS[3] audience
-- ARGV: topic, declared keys, uk, sid, this node, stream id, max streams
-- Reply: added | exists | limit | gone | audience (an audience member publishes nothing)
local ch = channel()
local uk, sid, me, stream, max_streams = ARGV[3], ARGV[4], ARGV[5], ARGV[6], tonumber(ARGV[7])
local m, role = owned(ch, uk, sid, me)
if not m then return 'gone' end
if role ~= 'host' then return 'audience' end
local current = list(m.t)
for _, s in ipairs(current) do if s == stream then return 'exists' end end
if #current >= max_streams then return 'limit' end
current[#current + 1] = stream
m.t = table.concat(current, ',')
save(ch, uk, m, 'host')
emit(ch, sid, me, { type = 'stream-added', uid = uid_value(uk), streamId = stream })
return 'added'
