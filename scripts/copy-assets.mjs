#!/usr/bin/env node
/**
 * Part of `npm run build`: copies what tsc does not emit next to the code that reads it at run
 * time: the Redis store's Lua scripts (server/cluster/redis-scripts/*.lua).
 */
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const FROM = `${ROOT}server/cluster/redis-scripts/`;
const TO = `${ROOT}dist/server/cluster/redis-scripts/`;

mkdirSync(TO, { recursive: true });
for (const file of readdirSync(FROM).filter((name) => name.endsWith('.lua'))) copyFileSync(FROM + file, TO + file);
