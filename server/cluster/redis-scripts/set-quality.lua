-- Records a host's quality [up, down] and tells its peers, if this node owns that session.
-- KEYS[1] hosts   KEYS[2] seq   KEYS[3] audience
-- ARGV: topic, declared keys, uk, sid, this node, up, down
-- Reply: ok | gone
local ch = channel()
local uk, sid, me, up, down = ARGV[3], ARGV[4], ARGV[5], tonumber(ARGV[6]), tonumber(ARGV[7])
local m, role = owned(ch, uk, sid, me)
if not m then return 'gone' end
m.q = { up, down }
save(ch, uk, m, role)
if role == 'host' then emit(ch, sid, me, { type = 'quality', uid = uid_value(uk), up = up, down = down }) end
return 'ok'
