/**
 * Seeded mutations of valid frames for fuzzing: flipped bytes, truncation, wrong types, huge
 * numbers, deep nesting, pollution keys, binary junk. Plain functions (fast enough for tens of
 * thousands of frames a second), reproducible from a seed.
 */
import { encodeClientData } from '../../src/protocol.js';

export type Rng = () => number;

/** mulberry32: a small seeded PRNG. */
export function seeded(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const int = (rng: Rng, n: number): number => Math.floor(rng() * n);
export const pick = <T>(rng: Rng, items: readonly T[]): T => items[int(rng, items.length)]!;

export function randomBytes(rng: Rng, max: number): Uint8Array {
  const out = new Uint8Array(int(rng, max + 1));
  for (let i = 0; i < out.length; i++) out[i] = int(rng, 256);
  return out;
}

const HOSTILE_VALUES: unknown[] = [
  null,
  true,
  -1,
  0.5,
  1e308,
  -1e308,
  2 ** 53 + 1,
  2 ** 32,
  '',
  'x'.repeat(3000),
  '\u0000\uffff\ud800',
  [],
  {},
  [1, [2, [3, [4]]]],
  JSON.parse('{"__proto__":{"polluted":true}}'),
  JSON.parse('{"constructor":{"prototype":{"polluted":true}}}'),
];
const TYPES = ['join', 'ping', 'publish', 'unpublish', 'subscribe', 'unsubscribe', 'renew-token', 'leave', 'joined', 'pong', 'ack', 'error', 'kicked', 'peer-online', '', 'JOIN', 'constructor', '__proto__'];
const RAW_NUMBERS = ['1e999', '-1e999', '123456789012345678901234567890', '0x10', 'NaN', 'Infinity', '1.7976931348623157e309', '-0', '01'];

const nested = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth);

/** One mutation of a JSON frame object; the result is text (possibly not JSON) or raw bytes sent as text. */
export function mutateControl(rng: Rng, frame: Record<string, unknown>): string | Uint8Array {
  const text = JSON.stringify(frame);
  const keys = Object.keys(frame);
  switch (int(rng, 12)) {
    case 0: {
      // flipped bytes (may well be invalid UTF-8 then)
      const bytes = Buffer.from(text);
      for (let n = 1 + int(rng, 3); n > 0; n--) bytes[int(rng, bytes.length)]! ^= 1 << int(rng, 8);
      return new Uint8Array(bytes);
    }
    case 1:
      return text.slice(0, int(rng, text.length)); // truncated
    case 2: {
      const copy: Record<string, unknown> = { ...frame };
      copy[pick(rng, keys)] = pick(rng, HOSTILE_VALUES); // wrong type / huge number / nesting
      return JSON.stringify(copy);
    }
    case 3: {
      const copy: Record<string, unknown> = { ...frame };
      delete copy[pick(rng, keys)];
      return JSON.stringify(copy);
    }
    case 4:
      return JSON.stringify({ ...frame, type: pick(rng, TYPES) });
    case 5:
      return text.replace(/}$/, `,"${pick(rng, ['__proto__', 'constructor', 'prototype', 'admin', 'type'])}":${JSON.stringify(pick(rng, HOSTILE_VALUES))}}`);
    case 6:
      return text.replace(/-?\d+(\.\d+)?(e[+-]?\d+)?/, pick(rng, RAW_NUMBERS)); // raw huge / invalid numbers
    case 7:
      return `{"type":"${pick(rng, TYPES)}","ts":${nested(1 + int(rng, 20_000))}}`; // deep nesting
    case 8:
      return nested(1 + int(rng, 30_000));
    case 9:
      return pick(rng, ['[]', '{}', 'null', '0', '""', 'true', '{"type":null}', '{"type":{"toString":1}}', text + text, `[${text}]`]);
    case 10:
      return new Uint8Array(randomBytes(rng, 64)); // junk sent as a text frame
    default: {
      const at = int(rng, text.length);
      return text.slice(0, at) + pick(rng, ['"', '\\', '{', ']', ',', ':', '\u0000', '\ud800', 'ü']) + text.slice(at);
    }
  }
}

/** A binary frame: a valid data frame, a mutated one, or junk. */
export function mutateData(rng: Rng, streamId: string): Uint8Array {
  const valid = encodeClientData(streamId, 7, int(rng, 1e9) + 1, rng() < 0.5 ? `p${int(rng, 1e6)}` : randomBytes(rng, 64));
  switch (int(rng, 6)) {
    case 0:
      return valid;
    case 1: {
      const copy = valid.slice();
      copy[int(rng, copy.length)]! ^= 1 << int(rng, 8);
      return copy;
    }
    case 2:
      return valid.slice(0, int(rng, valid.length));
    case 3:
      return new Uint8Array([int(rng, 256), int(rng, 256), ...randomBytes(rng, 16)]);
    case 4:
      return encodeClientData(pick(rng, ['s1', 'victim', 'x'.repeat(64), 'a']), int(rng, 2 ** 32), int(rng, 1e9) + 1, 'spoof');
    default:
      return randomBytes(rng, 128);
  }
}
