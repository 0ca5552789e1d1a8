/**
 * A Lua script of the Redis store: its source (scripts/NAME.lua, after helpers.lua), how a typed
 * call becomes its KEYS and ARGV, and how its positional reply becomes a typed value. Each script
 * file declares its KEYS and ARGV in its header; its TypeScript twin here builds them in that order.
 */
import { readFileSync } from 'node:fs';
import type { Declared } from './channel-args.js';

export type RedisArg = string | number | Buffer;

export interface Script<A, R> {
  /** The command name ioredis defines for it (its file name). */
  readonly name: string;
  readonly source: string;
  /** Whether its reply is read as Buffers (binary frames in it). */
  readonly binary: boolean;
  keys(args: A): string[];
  argv(args: A): RedisArg[];
  decode(reply: unknown): R;
  /** The call with more keys declared, when the script answered NEEDKEYS (absent: it never does). */
  declare?(args: A, declared: Declared): A;
}

const lua = (file: string): string => readFileSync(new URL(`./${file}.lua`, import.meta.url), 'utf8');
let helpers: string | undefined;

export function defineScript<A, R>(
  name: string,
  spec: { keys(args: A): string[]; argv(args: A): RedisArg[]; decode(reply: unknown): R; binary?: boolean; declare?(args: A, declared: Declared): A },
): Script<A, R> {
  let source: string | undefined;
  return {
    name,
    // Read when first run: a node without Redis never needs the files.
    get source() {
      source ??= `${(helpers ??= lua('helpers'))}\n${lua(name)}`;
      return source;
    },
    binary: spec.binary ?? false,
    keys: spec.keys,
    argv: spec.argv,
    decode: spec.decode,
    ...(spec.declare ? { declare: spec.declare } : {}),
  };
}
