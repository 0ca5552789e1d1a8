-- Makes the store agree with a session this node holds, after an outage: the member is there
-- again, owned by this node, in its role, with these streams (streams it no longer has go as
-- NO_DATA) and attributes.
-- KEYS[1] hosts   KEYS[2] seq   KEYS[3] audience   KEYS[4] the channel's members this node owns
-- ARGV: topic, data prefix, owned-set prefix, uk, sid, this node, role, streams (csv),
--       connected (0|1), window ms, attributes (JSON object)
-- Reply: {'ok', node it was taken back from or ''} | {'lost'} (its uid belongs to another
-- session, or another node took a dropped session over)
local ch = { members = KEYS[1], seq = KEYS[2], audience = KEYS[3], topic = ARGV[1], data = ARGV[2] }
local my_owned, owned_prefix = KEYS[4], ARGV[3]
local uk, sid, me, role, wanted, connected, window_ms = ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8], ARGV[9], ARGV[10]
local attributes = cjson.decode(ARGV[11])
local taken_from = ''
local uid = uid_value(uk)
local cur, cur_role = find_member(ch, uk)
local m = { s = sid, n = me, t = '', j = now_ms() }
if has_keys(attributes) then m.a = attributes end
local old = {}
if cur then
  if cur.s ~= sid then return { 'lost' } end
  if cur.n ~= me then
    -- Taken over meanwhile: a connected session here wins (its client is here), a dropped one yields.
    if connected ~= '1' then return { 'lost' } end
    redis.call('SREM', owned_prefix .. cur.n, uk)
    taken_from = cur.n
  end
  m.j = cur.j
  m.q = cur.q
  old = list(cur.t)
end
redis.call('SADD', my_owned, uk)
if role == 'host' then
  if cur_role ~= 'host' then
    emit(ch, sid, me, online_entry(uid, m))
    old = {}
  elseif not same_attributes(cur.a, m.a) then
    emit(ch, sid, me, { type = 'attributes', uid = uid, attributes = m.a or {} })
  end
  m.t = reconcile_streams(ch, sid, me, uid, uk, old, wanted, 'NO_DATA', window_ms)
end
save(ch, uk, m, role)
if cur_role ~= role then counts_changed(ch) end
keep_seq(ch)
return { 'ok', taken_from }
