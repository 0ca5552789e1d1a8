/**
 * The field rules of the wire protocol as plain predicates, and a small strict checker built on
 * them for the frames the server sends. The client's engine decodes every server frame with it;
 * the server decodes what clients send with valibot schemas made of the same predicates
 * (src/protocol.ts). Why two: valibot would cost the worker's bundle over a kilobyte of its
 * budget (docs/benchmarks.md, Bundle size); a property test holds the two to the same verdicts.
 */
import { ChannelLinkError } from './errors.js';
import { CHANNEL_NAME_PATTERN, MAX_NUMERIC_UID, MAX_STRING_UID_LENGTH, STREAM_ID_PATTERN } from './limits.js';

/** Thrown (never anything else) by the decoders on a malformed frame. */
export class ProtocolError extends ChannelLinkError {
  constructor(message: string) {
    super('PROTOCOL_ERROR', message);
  }
}

// ---- predicates ----
export type Predicate = (value: unknown) => boolean;
export const isInt = (min: number, max: number) => (x: unknown) => Number.isInteger(x) && (x as number) >= min && (x as number) <= max;
export const isText = (min: number, max: number) => (x: unknown) => typeof x === 'string' && x.length >= min && x.length <= max;
export const isMatch = (pattern: RegExp) => (x: unknown) => typeof x === 'string' && pattern.test(x);
const isNumericUid = isInt(0, MAX_NUMERIC_UID);
const isStringUid = isText(1, MAX_STRING_UID_LENGTH);
export const isUid: Predicate = (x) => isNumericUid(x) || isStringUid(x);
export const isChannel = isMatch(CHANNEL_NAME_PATTERN);
export const isStreamId = isMatch(STREAM_ID_PATTERN);
export const isCount = isInt(0, Number.MAX_SAFE_INTEGER);
export const isU32 = isInt(0, 0xffffffff);
export const isScore = isInt(0, 6);
export const isFiniteNumber: Predicate = (x) => Number.isFinite(x);
/** String keys, string values (the limits are checked where they apply: the server sends only checked ones). */
export const isStringMap: Predicate = (x) => typeof x === 'object' && x !== null && !Array.isArray(x) && Object.values(x).every((v) => typeof v === 'string');
export const isQualityPair: Predicate = (x) => Array.isArray(x) && x.length === 2 && x.every(isScore);

export const UID_RULE = `a uid is an integer 0..${MAX_NUMERIC_UID} or a string of 1-${MAX_STRING_UID_LENGTH} characters`;
export const STREAM_ID_RULE = 'a stream id is 1-64 characters of A-Z a-z 0-9 _ -';

// ---- the checker ----
/** Checks a value at `path` and returns it typed, or throws a ProtocolError naming the path. */
export type Check<T> = (value: unknown, path: string) => T;
/** Marks a check as optional for the types only: nothing of it is in the code. */
declare const OPTIONAL: unique symbol;
/** A field that may be left out. */
type Optional<T> = Check<T | undefined> & { readonly [OPTIONAL]: true };
type Out<C> = C extends Check<infer T> ? T : never;
type Shape = Record<string, Check<unknown>>;
type Simplify<T> = { [K in keyof T]: T[K] } & {};
export type ObjectOf<S extends Shape> = Simplify<
  { [K in keyof S as S[K] extends { readonly [OPTIONAL]: true } ? never : K]: Out<S[K]> } & {
    [K in keyof S as S[K] extends { readonly [OPTIONAL]: true } ? K : never]?: Exclude<Out<S[K]>, undefined> | undefined;
  }
>;
/** The object of each case of `C`: its shape, with `type` the case's name. */
type Variant<C extends Record<string, Shape>> = { [K in keyof C & string]: ObjectOf<{ type: Check<K> } & C[K]> }[keyof C & string];

const at = (path: string, key: string | number) => (path ? `${path}.${key}` : String(key));
const fail = (path: string, message: string): never => {
  throw new ProtocolError(`invalid frame${path ? ` at "${path}"` : ''}: ${message}`.slice(0, 300));
};

export const field =
  <T>(ok: Predicate, rule: string): Check<T> =>
  (x, path) =>
    ok(x) ? (x as T) : fail(path, rule);
export const optional = <T>(check: Check<T>): Optional<T> =>
  ((x: unknown, path: string) => (x === undefined ? undefined : check(x, path))) as Optional<T>;
export const nullable =
  <T>(check: Check<T>): Check<T | null> =>
  (x, path) =>
    x === null ? null : check(x, path);
export const literal =
  <T extends string>(value: T): Check<T> =>
  (x, path) =>
    x === value ? value : fail(path, `expected ${JSON.stringify(value)}`);
export const oneOf =
  <T extends string>(values: readonly T[]): Check<T> =>
  (x, path) =>
    values.includes(x as T) ? (x as T) : fail(path, `expected one of ${values.join(', ')}`);
export const boolean: Check<boolean> = (x, path) => (typeof x === 'boolean' ? x : fail(path, 'expected a boolean'));
export const string: Check<string> = (x, path) => (typeof x === 'string' ? x : fail(path, 'expected a string'));
export const array =
  <T>(check: Check<T>): Check<T[]> =>
  (x, path) =>
    Array.isArray(x) ? x.map((item, i) => check(item, at(path, i))) : fail(path, 'expected an array');

/** A plain object with exactly these keys (the optional ones may be missing); any other key fails. */
export function object<S extends Shape>(shape: S): Check<ObjectOf<S>> {
  return (x, path) => {
    if (typeof x !== 'object' || x === null || Array.isArray(x)) return fail(path, 'expected an object');
    const record = x as Record<string, unknown>;
    for (const key of Object.keys(record)) if (!Object.hasOwn(shape, key)) fail(at(path, key), 'unknown key');
    for (const key of Object.keys(shape)) shape[key]!(record[key], at(path, key));
    return x as ObjectOf<S>;
  };
}

/**
 * One of several objects, told apart by their `type`: each case names a type and the shape of the
 * object's other keys (checked as object() does, with `type` first).
 */
export function byType<C extends Record<string, Shape>>(cases: C): Check<Variant<C>> {
  const checks: Record<string, Check<unknown>> = {};
  for (const type of Object.keys(cases)) checks[type] = object({ type: literal(type), ...cases[type] });
  return (x, path) => {
    const type = typeof x === 'object' && x !== null ? (x as { type?: unknown }).type : undefined;
    const check = typeof type === 'string' && Object.hasOwn(checks, type) ? checks[type]! : fail(at(path, 'type'), `unknown type ${JSON.stringify(type)}`);
    return check(x, path) as Variant<C>;
  };
}

/** A JSON frame checked by `check`: its value, or a ProtocolError. */
export function decodeWith<T>(check: Check<T>, text: string): T {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new ProtocolError('frame is not valid JSON');
  }
  return check(raw, '');
}
