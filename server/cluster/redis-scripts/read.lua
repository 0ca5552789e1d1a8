-- The messages kept of a stream after [epoch, seq], within the window: of the newest epoch only
-- (another epoch than asked: all of it).
-- KEYS[1] the stream's message key
-- ARGV: epoch, seq, window ms
-- Reply: nil (nothing kept) | {epoch, newestSeq, seq1, frame1, seq2, frame2, ...}
local key = KEYS[1]
local epoch, seq, window_ms = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local last = redis.call('XREVRANGE', key, '+', '-', 'COUNT', 1)
if #last == 0 then return false end
local newest_epoch, newest_seq = tonumber(last[1][2][2]), tonumber(last[1][2][4])
local after = 0
if epoch == newest_epoch then after = seq end
local res = { tostring(newest_epoch), tostring(newest_seq) }
for _, entry in ipairs(redis.call('XRANGE', key, tostring(now_ms() - window_ms), '+')) do
  local f = entry[2]
  local s = tonumber(f[4])
  if tonumber(f[2]) == newest_epoch and s > after then res[#res + 1] = f[4]; res[#res + 1] = f[6] end
end
return res
