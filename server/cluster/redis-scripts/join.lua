-- A fresh member, a resume, or a uid replacement, with the member's role, streams and attributes set as asked.
-- KEYS[1] hosts   KEYS[2] seq   KEYS[3] audience   KEYS[4] the channel's members this node owns
-- (every key in the channel's slot: the previous owner's set is the owned-set prefix + its node)
-- ARGV: topic, data prefix, owned-set prefix, uk, assigned (0|1), resume sid or '', new sid,
--       this node, role, wanted streams (csv), max hosts, max audience, window ms, attributes (JSON object)
-- Reply: {'full', role} | {'taken'} |
--        {outcome, sid, seq, prevSid, prevNode, streamsCsv, publishedCsv, role, hosts, audience, uk1, record1, ...}
local ch = { members = KEYS[1], seq = KEYS[2], audience = KEYS[3], topic = ARGV[1], data = ARGV[2] }
local my_owned, owned_prefix = KEYS[4], ARGV[3]
local uk, assigned, resume, new_sid, me, role, wanted, max_hosts, max_audience, window_ms =
  ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8], ARGV[9], ARGV[10], tonumber(ARGV[11]), tonumber(ARGV[12]), ARGV[13]
local attributes = cjson.decode(ARGV[14])
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
if prev_node ~= '' and prev_node ~= me then redis.call('SREM', owned_prefix .. prev_node, uk) end
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
  m.t = reconcile_streams(ch, sid, me, uid, uk, list(old), wanted, 'UNPUBLISHED', window_ms)
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
  local n = newest(ch, uk, s)
  if n then published[#published + 1] = n end
end
local hosts, audience = counts(ch)
local res = { outcome, sid, redis.call('GET', ch.seq) or '0', prev_sid, prev_node, m.t, table.concat(published, ','), role, hosts, audience }
local all = redis.call('HGETALL', ch.members)
for i = 1, #all, 2 do
  if all[i] ~= uk then res[#res + 1] = all[i]; res[#res + 1] = all[i + 1] end
end
return res
