/**
 * Argument validation of the channel calls (the Agora rules), raising INVALID_PARAMS. The engine
 * runs these, before anything is sent; the main thread's own checks (options, role) are in
 * option-rules.ts, so its bundle carries only those.
 */
import { fail, shown } from './option-rules.js';
import { CHANNEL_NAME_PATTERN, MAX_ATTRIBUTE_KEYS, MAX_ATTRIBUTES_BYTES, MAX_NUMERIC_UID, MAX_STRING_UID_LENGTH, MAX_TOKEN_LENGTH } from './limits.js';
import type { Uid } from './types.js';

export { shown, validateRole } from './option-rules.js';

const CHANNEL_RULE = 'channel must be 1-64 characters: letters, digits, space, a comma or one of !#$%&()+-:;<=.>?@[]^_{|}~';

export function validateChannelName(channel: unknown): string {
  if (typeof channel === 'string' && CHANNEL_NAME_PATTERN.test(channel)) return channel;
  if (typeof channel !== 'string') return fail(`${CHANNEL_RULE}; got ${shown(channel)}`);
  if (channel.length === 0 || channel.length > 64) return fail(`${CHANNEL_RULE}; got ${channel.length} characters`);
  const bad = [...channel].find((c) => !CHANNEL_NAME_PATTERN.test(c));
  return fail(`${CHANNEL_RULE}; got ${shown(channel)}, where ${JSON.stringify(bad)} is not allowed`);
}

/** Returns null when the server should assign the uid (null or 0). */
export function validateUid(uid: unknown): Uid | null {
  if (uid === null || uid === undefined || uid === 0) return null;
  if (typeof uid === 'number') {
    if (!Number.isInteger(uid) || uid < 0 || uid > MAX_NUMERIC_UID) fail('numeric uid must be an integer in 0..2^32-1');
    return uid;
  }
  if (typeof uid === 'string') {
    if (uid.length < 1 || uid.length > MAX_STRING_UID_LENGTH) fail(`string uid must be 1-${MAX_STRING_UID_LENGTH} characters`);
    return uid;
  }
  return fail('uid must be a number, a string or null');
}

export function validateToken(token: unknown): string | null {
  if (token === null || token === undefined) return null;
  if (typeof token !== 'string' || token.length < 1 || token.length > MAX_TOKEN_LENGTH) {
    fail(`token must be null or a string of 1-${MAX_TOKEN_LENGTH} characters`);
  }
  return token as string;
}

/** Whether two attribute sets hold the same keys and values (in any order). */
export function sameAttributes(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => Object.hasOwn(b, key) && a[key] === b[key]);
}

/** A member's attributes: a plain object of string keys and string values, within the limits (a copy). */
export function validateAttributes(attributes: unknown, what = 'attributes'): Record<string, string> {
  const proto = typeof attributes === 'object' && attributes !== null ? Object.getPrototypeOf(attributes) : undefined;
  if (typeof attributes !== 'object' || attributes === null || Array.isArray(attributes) || (proto !== Object.prototype && proto !== null)) {
    return fail(`${what} must be a plain object of string values; got ${shown(attributes)}`);
  }
  const out: Record<string, string> = {};
  const entries = Object.entries(attributes);
  if (entries.length > MAX_ATTRIBUTE_KEYS) fail(`${what} may have at most ${MAX_ATTRIBUTE_KEYS} keys; got ${entries.length}`);
  for (const [key, value] of entries) {
    if (key.length === 0) fail(`${what} keys must not be empty`);
    if (typeof value !== 'string') fail(`${what}.${key} must be a string; got ${shown(value)}`);
    // Defined, not assigned: a key named __proto__ stays a key.
    Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  }
  const bytes = new TextEncoder().encode(JSON.stringify(out)).length;
  if (bytes > MAX_ATTRIBUTES_BYTES) fail(`${what} must take at most ${MAX_ATTRIBUTES_BYTES} bytes as JSON; got ${bytes}`);
  return out;
}

