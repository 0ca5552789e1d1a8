-- Every stream of the member goes (NO_DATA), if this node owns that session; it stays a member.
-- KEYS[1] hosts   KEYS[2] seq   KEYS[3] audience   KEYS[4..] the declared message keys (the member's streams)
-- ARGV: topic, declared keys, uk, sid, this node, window ms
-- Reply: 1 removed (or none to remove), 0 not this node's session
local ch = channel()
local uk, sid, me, window_ms = ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local m, role = owned(ch, uk, sid, me)
if not m then return 0 end
if role ~= 'host' then return 1 end
local streams = list(m.t)
local need = undeclared(ch, nil, streams)
if need then return need end
local uid = uid_value(uk)
for _, s in ipairs(streams) do
  emit(ch, sid, me, { type = 'stream-removed', uid = uid, streamId = s, reason = 'NO_DATA' })
  release(ch, s, false, window_ms)
end
m.t = ''
save(ch, uk, m, 'host')
return 1
