/**
 * docs/api.md documents the API as it is: every public name the entry points export, every error
 * code of ERROR_CODES, every event with each field of its payload, every connection-state reason,
 * every createClient() and startServer() option with its default, every member of the client and
 * the server object; and each example the documents mark is run by a test
 * (test/integration/readme-examples.test.ts, test/integration/subscribe-once.test.ts).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_OPTIONS } from '../../server/options.js';
import { ERROR_CODES } from '../../src/errors.js';
import { resolveOptions } from '../../src/options.js';
import { CHANNEL_EVENT_NAMES } from '../../src/types.js';
import { docExample, docExampleNames, docTable, docTableKeys, readDoc } from '../support/docs.js';
import { ENTRY_MODULES, exportedNames, literalMembers, memberNames, propertyMemberNames } from '../support/public-api.js';

const API = 'docs/api.md';
const CLIENT = 'src/index.browser.ts';
const SERVER = 'server/index.ts';

/** `join(token, channel, uid?)` -> `join`; `debug.signalOnline()` -> `debug.signalOnline`. */
const memberOf = (key: string): string => /^[\w.$]+/.exec(key)![0];

/** Option names as an app writes them: nested objects as `reconnect.initialDelayMs`. */
function flatten(values: Record<string, unknown>, prefix = ''): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(values).flatMap(([key, value]) =>
      typeof value === 'object' && value !== null && !Array.isArray(value) ? Object.entries(flatten(value as Record<string, unknown>, `${prefix}${key}.`)) : [[`${prefix}${key}`, value]],
    ),
  );
}

/** A default cell names the value: `1000`, `'default'`, `true`, with any `_` or `,` grouping removed. */
function namesDefault(cell: string, value: unknown): boolean {
  const plain = cell.replace(/(?<=\d)[_,](?=\d)/g, '');
  if (typeof value === 'string') return plain.includes(`'${value}'`);
  return new RegExp(`(^|[^\\w.])${String(value)}($|[^\\w.])`).test(plain);
}

/** Every word inside the code spans (which may span lines) and code blocks of a document. */
function codeWords(text: string): Set<string> {
  const code = [...text.matchAll(/```[\s\S]*?```|``[\s\S]+?``|`[^`]+`/g)].map((m) => m[0]).join('\n');
  return new Set(code.match(/[\w$]+/g));
}

describe('docs/api.md', () => {
  it('names every public name the entry points export', () => {
    const words = codeWords(readDoc(API));
    for (const module of ENTRY_MODULES) {
      const missing = exportedNames(module).filter((name) => !words.has(name));
      expect(missing, `exported by ${module}, missing from ${API}`).toEqual([]);
    }
    // The first test to build the type checker's program over every entry (React's types included): slow on two busy cores.
  }, 90_000);

  it('documents every error code, as ERROR_CODES lists them', () => {
    expect([...docTableKeys(API, '## Error codes')].sort()).toEqual([...ERROR_CODES].sort());
  });

  it('documents every event of the event map, with each field of its payload', () => {
    const rows = docTable(API, '## Events');
    expect(rows.map(([name]) => name!.replace(/`/g, '')).sort()).toEqual([...CHANNEL_EVENT_NAMES].sort());
    for (const [name, payload] of rows) {
      const event = name!.replace(/`/g, '');
      for (const field of propertyMemberNames(CLIENT, 'ChannelEventMap', event)) expect(payload, `payload of ${event}`).toMatch(new RegExp(`\\b${field}\\b`));
    }
  });

  it('documents every connection-state reason', () => {
    expect(docTableKeys(API, '### Connection state reasons').sort()).toEqual(literalMembers(CLIENT, 'ConnectionChangeReason').sort());
  });

  it('documents every createClient() option, with its default', () => {
    const { engine, ...rest } = resolveOptions({ url: 'ws://x' });
    // The engine holds the URL list as `urls`; the option an app passes is `url`.
    const { urls: _, ...defaults } = flatten({ ...engine, ...rest });
    const rows = new Map(docTable(API, '### Client options').map(([key, value]) => [key!.replace(/`/g, ''), value!]));
    expect([...rows.keys()].sort()).toEqual(['url', ...Object.keys(defaults)].sort());
    for (const [option, value] of Object.entries(defaults)) expect(namesDefault(rows.get(option)!, value), `default of ${option}: ${String(value)}`).toBe(true);
    // Every option of the type is in the table (nested ones by their parent).
    for (const option of memberNames(CLIENT, 'ClientOptions')) expect([...rows.keys()].some((key) => key.split('.')[0] === option), option).toBe(true);
  });

  it('documents every startServer() option, with its default', () => {
    const rows = new Map(docTable(API, '### startServer options').map(([key, value]) => [key!.replace(/`/g, ''), value!]));
    expect([...rows.keys()].sort()).toEqual(memberNames(SERVER, 'ServerOptions').sort());
    for (const [option, value] of Object.entries(DEFAULT_OPTIONS)) expect(namesDefault(rows.get(option) ?? '', value), `default of ${option}: ${String(value)}`).toBe(true);
  });

  it('documents every member of the client, its debug hooks and its statistics', () => {
    const members = docTableKeys(API, '### Client members').map(memberOf);
    expect(members.sort()).toEqual(memberNames(CLIENT, 'ChannelClient').sort());
    const hooks = docTableKeys(API, '### Debug hooks').map(memberOf);
    expect(hooks.sort()).toEqual(propertyMemberNames(CLIENT, 'ChannelClient', 'debug').map((m) => `debug.${m}`).sort());
    expect(docTableKeys(API, '### Statistics').sort()).toEqual(memberNames(CLIENT, 'EngineStats').sort());
  });

  it('documents every member of the server object', () => {
    expect(docTableKeys(API, '### The server object').map(memberOf).sort()).toEqual(memberNames(SERVER, 'ChannelLinkServer').sort());
  });
});

describe('documented examples', () => {
  it('are marked, each a code block, and each is run by a test', () => {
    expect(docExampleNames()).toEqual(['quick-start', 'subscribe', 'react', 'browser-connect', 'browser-subscribe', 'browser-join', 'node', 'token', 'backend-jwt']);
    const runners = ['test/integration/readme-examples.test.ts', 'test/integration/subscribe-once.test.ts']
      .map((file) => readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8'))
      .join('\n');
    for (const name of docExampleNames()) {
      expect(docExample(name).code.length, name).toBeGreaterThan(0);
      expect(runners.includes(`'${name}'`), `no test runs the example "${name}"`).toBe(true);
    }
  });
});
