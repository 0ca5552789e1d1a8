-- Makes the member a host (peers see peer-online) or an audience member (its streams go as
-- UNPUBLISHED, then peers see peer-leave BECOME_AUDIENCE), if this node owns that session.
-- KEYS[1] hosts   KEYS[2] seq   KEYS[3] audience   KEYS[4..] the declared message keys (the member's streams)
-- ARGV: topic, declared keys, uk, sid, this node, role, max hosts
-- Reply: {'gone'} | {'full'} | {'same'|'changed', seq, hosts, audience}
local ch = channel()
local uk, sid, me, role, max_hosts = ARGV[3], ARGV[4], ARGV[5], ARGV[6], tonumber(ARGV[7])
local m, cur_role = owned(ch, uk, sid, me)
if not m then return { 'gone' } end
local outcome = 'same'
if cur_role ~= role then
  local uid = uid_value(uk)
  if role == 'host' then
    if redis.call('HLEN', ch.members) >= max_hosts then return { 'full' } end
    emit(ch, sid, me, online_entry(uid, m))
    if m.q then emit(ch, sid, me, { type = 'quality', uid = uid, up = m.q[1], down = m.q[2] }) end
    save(ch, uk, m, 'host')
  else
    local need = undeclared(ch, nil, list(m.t))
    if need then return need end
    become_audience(ch, me, uid, uk, m)
  end
  counts_changed(ch)
  outcome = 'changed'
end
local hosts, audience = counts(ch)
return { outcome, redis.call('GET', ch.seq) or '0', hosts, audience }
