-- A fresh member, a resume, or a uid replacement, with the member's role, streams and attributes set as asked.
-- KEYS[1] hosts   KEYS[2] seq   KEYS[3] audience   KEYS[4] the channel's members this node owns
-- KEYS[5..] the declared keys: the previous owner's set (when another node owned the member),
-- the message keys of its streams and of the wanted ones
-- ARGV: topic, declared keys, uk, assigned (0|1), resume sid or '', new sid,
--       this node, role, wanted streams (csv), max hosts, max audience, window ms, attributes (JSON object)
-- Reply: {'full', role} | {'taken'} |
--        {outcome, sid, seq, prevSid, prevNode, streamsCsv, publishedCsv, role, hosts, audience, uk1, record1, ...}
local ch = channel()
local my_owned = KEYS[4]
local uk, assigned, resume, new_sid, me, role, wanted, max_hosts, max_audience, window_ms =
  ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8], ARGV[9], tonumber(ARGV[10]), tonumber(ARGV[11]), ARGV[12]
local attributes = cjson.decode(ARGV[13])
local cur, cur_role = find_member(ch, uk)
local outcome, sid, prev_sid, prev_node = nil, nil, '', ''
if cur then
  if resume ~= '' and cur.s == resume then outcome = 'resumed'; sid = cur.s
  elseif assigned == '1' then return { 'taken' }
  else outcome = 'replaced'; sid = new_sid end
  prev_sid, prev_node = cur.s, cur.n
else
  local hosts, audience = counts(ch)
  if (role == 'host' and hosts >= max_hosts) or (role ~= 'host' and audience >= max_audience) then return { 'full', role } end
  outcome = 'fresh'; sid = new_sid
end
-- A resume or replacement that asks to become a host beyond the limit stays what it was.
if cur and cur_role ~= role and role == 'host' and redis.call('HLEN', ch.members) >= max_hosts then role = cur_role end
local other_owner, old_streams, new_streams = nil, {}, {}
if prev_node ~= '' and prev_node ~= me then other_owner = prev_node end
if cur_role == 'host' then old_streams = list(cur.t) end
if role == 'host' then new_streams = list(wanted) end
local need = undeclared(ch, other_owner, old_streams, new_streams)
if need then return need end
if other_owner then redis.call('SREM', ch.owner_key, uk) end
redis.call('SADD', my_owned, uk)
local uid = uid_value(uk)
local m = { s = sid, n = me, t = '', j = now_ms() }
if cur then m.j = cur.j; m.q = cur.q end
if has_keys(attributes) then m.a = attributes end
if role == 'host' then
  local old = ''
  if cur_role == 'host' then
    old = cur.t
    if not same_attributes(cur.a, m.a) then emit(ch, sid, me, { type = 'attributes', uid = uid, attributes = m.a or {} }) end
  else
    emit(ch, sid, me, online_entry(uid, m))
  end
  m.t = reconcile_streams(ch, sid, me, uid, list(old), wanted, 'UNPUBLISHED', window_ms)
  save(ch, uk, m, 'host')
elseif cur_role == 'host' then
  m.t = cur.t
  become_audience(ch, me, uid, uk, m)
else
  save(ch, uk, m, 'audience')
end
if cur_role ~= role then counts_changed(ch) end
keep_seq(ch)
local published = {}
for _, s in ipairs(list(m.t)) do
  local n = newest(ch, s)
  if n then published[#published + 1] = n end
end
local hosts, audience = counts(ch)
local res = { outcome, sid, redis.call('GET', ch.seq) or '0', prev_sid, prev_node, m.t, table.concat(published, ','), role, hosts, audience }
local all = redis.call('HGETALL', ch.members)
for i = 1, #all, 2 do
  if all[i] ~= uk then res[#res + 1] = all[i]; res[#res + 1] = all[i + 1] end
end
return res
