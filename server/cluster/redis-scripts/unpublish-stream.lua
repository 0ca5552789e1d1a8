-- The member stops publishing a stream; its kept messages go with it.
-- KEYS[1] hosts   KEYS[2] seq   KEYS[3] audience
-- ARGV: topic, data prefix, uk, sid, this node, stream id
-- Reply: removed | absent | gone
local ch = { members = KEYS[1], seq = KEYS[2], audience = KEYS[3], topic = ARGV[1], data = ARGV[2] }
local uk, sid, me, stream = ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local m, role = owned(ch, uk, sid, me)
if not m then return 'gone' end
local kept, found = {}, false
for _, s in ipairs(list(m.t)) do
  if s == stream then found = true else kept[#kept + 1] = s end
end
if not found then return 'absent' end
m.t = table.concat(kept, ',')
save(ch, uk, m, role)
emit(ch, sid, me, { type = 'stream-removed', uid = uid_value(uk), streamId = stream, reason = 'UNPUBLISHED' })
release(ch, uk, stream, true, 0)
return 'removed'
