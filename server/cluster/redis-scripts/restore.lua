-- Makes the store agree with a session this node holds, after an outage: the member is there
-- again, owned by this node, in its role, with these streams (streams it no longer has go as
-- NO_DATA) and attributes.
-- KEYS[1] hosts   KEYS[2] seq   KEYS[3] audience   KEYS[4] the channel's members this node owns
-- KEYS[5..] the declared keys: the owned set of the node that took the member over meanwhile (if
-- one did), the message keys of its streams in the store and of the wanted ones
-- ARGV: topic, declared keys, uk, sid, this node, role, streams (csv),
--       connected (0|1), window ms, attributes (JSON object)
-- Reply: {'ok', node it was taken back from or ''} | {'lost'} (its uid belongs to another
-- session, or another node took a dropped session over)
local ch = channel()
local my_owned = KEYS[4]
local uk, sid, me, role, wanted, connected, window_ms = ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8], ARGV[9]
local attributes = cjson.decode(ARGV[10])
local taken_from = ''
local uid = uid_value(uk)
local cur, cur_role = find_member(ch, uk)
local m = { s = sid, n = me, t = '', j = now_ms() }
if has_keys(attributes) then m.a = attributes end
local old = {}
if cur then
  if cur.s ~= sid then return { 'lost' } end
  -- Taken over meanwhile: a connected session here wins (its client is here), a dropped one yields.
  if cur.n ~= me and connected ~= '1' then return { 'lost' } end
  old = list(cur.t)
end
local other_owner, new_streams = nil, {}
if cur and cur.n ~= me then other_owner = cur.n end
if role == 'host' then new_streams = list(wanted) end
local need = undeclared(ch, other_owner, role == 'host' and old or {}, new_streams)
if need then return need end
if cur then
  if other_owner then
    redis.call('SREM', ch.owner_key, uk)
    taken_from = other_owner
  end
  m.j = cur.j
  m.q = cur.q
end
redis.call('SADD', my_owned, uk)
if role == 'host' then
  if cur_role ~= 'host' then
    emit(ch, sid, me, online_entry(uid, m))
    old = {}
  elseif not same_attributes(cur.a, m.a) then
    emit(ch, sid, me, { type = 'attributes', uid = uid, attributes = m.a or {} })
  end
  m.t = reconcile_streams(ch, sid, me, uid, old, wanted, 'NO_DATA', window_ms)
end
save(ch, uk, m, role)
if cur_role ~= role then counts_changed(ch) end
keep_seq(ch)
return { 'ok', taken_from }
