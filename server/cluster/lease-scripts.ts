// The estate lease in Redis, as Lua scripts (each runs atomically: no other command runs between its
// GET and its SET). Keys of one estate share a hash tag `{estate}`, so they live in one slot and the
// scripts also run on a Redis Cluster.
//
//   se:estate:{E}:owner   "<holder>|<token>" with a TTL of the lease (SET … PX)
//   se:estate:{E}:fence   the last fencing token handed out for E (never expires)
//
// The fencing token goes up on every acquisition: max(last + 1, Redis' clock in ms). INCR alone would
// restart at 1 if Redis lost its data (no AOF, a new empty replica); with the clock as a floor a token
// handed out after such a loss is still above every token handed out before it.

export const ownerKey = (estate: string) => `se:estate:{${estate}}:owner`;
export const fenceKey = (estate: string) => `se:estate:{${estate}}:fence`;
/** Every key a fenced write may touch starts with this (the estate's slot). */
export const estatePrefix = (estate: string) => `se:estate:{${estate}}:`;

/**
 * KEYS: owner, fence. ARGV: holder, leaseMs, seen (the highest token of this estate the caller has
 * seen, '0' if none).
 * Returns {1, token, ttlMs} when the caller holds the lease now (taken, or already its own),
 * {0, "<holder>|<token>", ttlMs} when another holder has it.
 * The fence is gone while the caller has seen a token: Redis lost the estate's keys (no AOF, a fresh
 * replica, a flush) and whoever held the lease may still believe it for up to a lease. Nobody takes it
 * for that long: the owner key is set to the holder `quarantine` (its renewals are refused, so it lets
 * go at once; everyone else follows it), and the fence is restored to the seen token, so the next
 * token is still above every earlier one.
 */
/** The holder a lost estate's lease is given for one lease after Redis lost its keys (see ACQUIRE). */
export const QUARANTINE_HOLDER = 'quarantine';

export const ACQUIRE = `
local cur = redis.call('GET', KEYS[1])
if cur then
  local holder, token = string.match(cur, '^(.*)|(%d+)$')
  if holder == ARGV[1] then
    redis.call('PEXPIRE', KEYS[1], ARGV[2])
    return {1, token, tonumber(ARGV[2])}
  end
  return {0, cur, redis.call('PTTL', KEYS[1])}
end
local seen = tonumber(ARGV[3] or '0')
if seen > 0 and not redis.call('GET', KEYS[2]) then
  local q = 'quarantine|' .. string.format('%d', seen)
  redis.call('SET', KEYS[2], string.format('%d', seen))
  redis.call('SET', KEYS[1], q, 'PX', ARGV[2])
  return {0, q, tonumber(ARGV[2])}
end
local t = redis.call('TIME')
local clock = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local token = tonumber(redis.call('GET', KEYS[2]) or '0') + 1
if token < clock then token = clock end
local s = string.format('%d', token)
redis.call('SET', KEYS[2], s)
redis.call('SET', KEYS[1], ARGV[1] .. '|' .. s, 'PX', ARGV[2])
return {1, s, tonumber(ARGV[2])}
`;

/** KEYS: owner. ARGV: holder, token, leaseMs. 1 = renewed, 0 = the lease is not ours (any more). */
export const RENEW = `
if redis.call('GET', KEYS[1]) == ARGV[1] .. '|' .. ARGV[2] then
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  return 1
end
return 0
`;

/** KEYS: owner. ARGV: holder, token. 1 = released, 0 = it was not ours. */
export const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] .. '|' .. ARGV[2] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
`;

/** The commands a fenced write may run (writes on the estate's own keys). */
export const FENCED_COMMANDS = ['SET', 'DEL', 'HSET', 'HDEL', 'XADD', 'XTRIM', 'INCRBY', 'EXPIRE', 'PEXPIRE', 'ZADD', 'ZREM'] as const;
export type FencedCommand = (typeof FENCED_COMMANDS)[number];

/**
 * KEYS: owner, target. ARGV: token, command, args… (the target key is inserted as the command's
 * first argument). Runs the command only while the lease holds exactly this token: a stale owner
 * (paused, cut off, its lease expired and perhaps taken by another node) is refused.
 * Returns {1, reply} or {0, "<current holder|token>" or ""}.
 */
export const FENCED_WRITE = `
local prefix = string.sub(KEYS[1], 1, #KEYS[1] - 5)
if string.sub(KEYS[2], 1, #prefix) ~= prefix or KEYS[2] == KEYS[1] or KEYS[2] == prefix .. 'fence' then
  return redis.error_reply('fenced write outside the estate or on its lease: ' .. KEYS[2])
end
local cur = redis.call('GET', KEYS[1])
local token = cur and string.match(cur, '|(%d+)$')
if token ~= ARGV[1] then
  return {0, cur or ''}
end
local reply = redis.call(ARGV[2], KEYS[2], unpack(ARGV, 3))
if type(reply) == 'table' and reply.ok then reply = reply.ok end
return {1, reply}
`;
