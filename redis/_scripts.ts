/**
 * The Lua scripts of `RedisStore` (run with `EVAL`: each is atomic, so an append and
 * its publication, or a session's compare-and-set, cannot interleave with another).
 *
 * @module
 */

// KEYS: log, seq, epoch, writer. ARGV: new epoch, maxLength, maxAge, header, payload, channel,
// serial (0: none). A serial not above the writer's last is a retry of a record written already.
export const APPEND = `
local epoch = redis.call('GET', KEYS[3])
if not epoch then
  epoch = ARGV[1]
  redis.call('SET', KEYS[3], epoch)
  redis.call('DEL', KEYS[1], KEYS[2])
end
local serial = tonumber(ARGV[7])
if serial > 0 then
  if serial <= tonumber(redis.call('GET', KEYS[4]) or '0') then return 0 end
  redis.call('SET', KEYS[4], ARGV[7], 'PX', math.max(tonumber(ARGV[3]), 600000))
end
local n = redis.call('INCR', KEYS[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('XADD', KEYS[1], 'MAXLEN', '=', ARGV[2], n .. '-1', 'h', ARGV[4], 'p', ARGV[5], 't', now)
local cutoff = now - tonumber(ARGV[3])
for _ = 1, 100 do
  local batch = redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', 64)
  local young = nil
  for _, item in ipairs(batch) do
    if tonumber(item[2][6]) >= cutoff then young = item[1] break end
  end
  if young == nil then redis.call('XTRIM', KEYS[1], 'MINID', n .. '-1') break end
  redis.call('XTRIM', KEYS[1], 'MINID', young)
  if young ~= batch[#batch][1] or #batch < 64 then break end
end
redis.call('PUBLISH', ARGV[6], n .. '|' .. epoch .. '|' .. ARGV[4] .. '\\n' .. ARGV[5])
return n
`;

// KEYS: log, seq, epoch. ARGV: new epoch.
export const HEAD = `
local epoch = redis.call('GET', KEYS[3])
if not epoch then
  epoch = ARGV[1]
  redis.call('SET', KEYS[3], epoch)
  redis.call('DEL', KEYS[1], KEYS[2])
end
return {epoch, redis.call('GET', KEYS[2]) or '0'}
`;

// KEYS: log, seq, epoch. ARGV: epoch, after, limit, maxAge.
export const READ = `
local epoch = redis.call('GET', KEYS[3])
local last = tonumber(redis.call('GET', KEYS[2]) or '0')
local after = tonumber(ARGV[2])
if epoch ~= ARGV[1] or after > last then return {'epoch'} end
if after == last then return {'ok', tostring(last)} end
local items = redis.call('XRANGE', KEYS[1], (after + 1) .. '-1', '+', 'COUNT', ARGV[3])
local t = redis.call('TIME')
local cutoff = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) - tonumber(ARGV[4])
if items[1] == nil or items[1][1] ~= (after + 1) .. '-1' or tonumber(items[1][2][6]) < cutoff then
  return {'trimmed'}
end
return {'ok', tostring(last), items}
`;

// KEYS: session. ARGV: ttl. Returns the JSON and the milliseconds its events have been in doubt
// (h < q): \`d\` is when a claim first saw this \`q\` (\`dq\`) unhandled.
export const CLAIM = `
local value = redis.call('GET', KEYS[1])
if not value then return false end
local ok, session = pcall(cjson.decode, value)
if not ok or type(session) ~= 'table' or type(session.g) ~= 'number' then return value end
session.g = session.g + 1
local doubt = 0
if type(session.h) == 'number' and type(session.q) == 'number' and session.h < session.q then
  local t = redis.call('TIME')
  local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  if session.dq ~= session.q or type(session.d) ~= 'number' then
    session.d = now
    session.dq = session.q
  end
  doubt = now - session.d
end
value = cjson.encode(session)
redis.call('SET', KEYS[1], value, 'PX', ARGV[1])
return {value, tostring(doubt)}
`;

// KEYS: session. ARGV: JSON, ttl, generation. Refused only when a later claim raised the
// generation: a lower one means Redis lost the caller's claim (restarted without its last writes).
export const SAVE = `
local value = redis.call('GET', KEYS[1])
if value then
  local ok, session = pcall(cjson.decode, value)
  if ok and type(session) == 'table' and type(session.g) == 'number' and session.g > tonumber(ARGV[3]) then return 0 end
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
`;

// KEYS: session. ARGV: handled.
export const HANDLED = `
local value = redis.call('GET', KEYS[1])
if not value then return 0 end
local ok, session = pcall(cjson.decode, value)
if not ok or type(session) ~= 'table' or type(session.h) ~= 'number' then return 0 end
if session.h >= tonumber(ARGV[1]) then return 0 end
session.h = tonumber(ARGV[1])
redis.call('SET', KEYS[1], cjson.encode(session), 'KEEPTTL')
return 1
`;
