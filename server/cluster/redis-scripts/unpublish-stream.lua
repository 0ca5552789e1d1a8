-- The member stops publishing a stream; its kept messages go with it.
-- KEYS[1] hosts   KEYS[2] seq   KEYS[3] audience   KEYS[4] the stream's message key (declared)
-- ARGV: topic, declared keys, uk, sid, this node, stream id
-- Reply: removed | absent | gone
local ch = channel()
local uk, sid, me, stream = ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local m, role = owned(ch, uk, sid, me)
if not m then return 'gone' end
local kept, found = {}, false
for _, s in ipairs(list(m.t)) do
  if s == stream then found = true else kept[#kept + 1] = s end
end
if not found then return 'absent' end
local need = undeclared(ch, nil, { stream })
if need then return need end
m.t = table.concat(kept, ',')
save(ch, uk, m, role)
emit(ch, sid, me, { type = 'stream-removed', uid = uid_value(uk), streamId = stream, reason = 'UNPUBLISHED' })
release(ch, stream, true, 0)
return 'removed'
