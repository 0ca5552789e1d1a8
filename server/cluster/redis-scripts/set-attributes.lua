-- Replaces the member's attributes, if this node owns that session; a host's peers are told.
-- KEYS[1] hosts   KEYS[2] seq   KEYS[3] audience
-- ARGV: topic, declared keys, uk, sid, this node, attributes (JSON object)
-- Reply: ok | gone
local ch = channel()
local uk, sid, me = ARGV[3], ARGV[4], ARGV[5]
local attributes = cjson.decode(ARGV[6])
local m, role = owned(ch, uk, sid, me)
if not m then return 'gone' end
if same_attributes(m.a, attributes) then return 'ok' end
if has_keys(attributes) then m.a = attributes else m.a = nil end
save(ch, uk, m, role)
if role == 'host' then emit(ch, sid, me, { type = 'attributes', uid = uid_value(uk), attributes = attributes }) end
return 'ok'
