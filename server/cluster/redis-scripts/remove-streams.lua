-- Every stream of the member goes (NO_DATA), if this node owns that session; it stays a member.
-- KEYS[1] hosts   KEYS[2] seq   KEYS[3] audience
-- ARGV: topic, data prefix, uk, sid, this node, window ms
-- Reply: 1 removed (or none to remove), 0 not this node's session
local ch = { members = KEYS[1], seq = KEYS[2], audience = KEYS[3], topic = ARGV[1], data = ARGV[2] }
local uk, sid, me, window_ms = ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local m, role = owned(ch, uk, sid, me)
if not m then return 0 end
if role ~= 'host' then return 1 end
local uid = uid_value(uk)
for _, s in ipairs(list(m.t)) do
  emit(ch, sid, me, { type = 'stream-removed', uid = uid, streamId = s, reason = 'NO_DATA' })
  release(ch, uk, s, false, window_ms)
end
m.t = ''
save(ch, uk, m, 'host')
return 1
