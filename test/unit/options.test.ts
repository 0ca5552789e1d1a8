import { describe, expect, it } from 'vitest';
import { ChannelLinkError } from '../../src/errors.js';
import { resolveOptions, type ClientOptions } from '../../src/options.js';
import { DEFAULT_ENGINE_OPTIONS } from '../../src/types.js';

function codeOf(options: unknown): string | undefined {
  try {
    resolveOptions(options as ClientOptions);
  } catch (error) {
    expect(error).toBeInstanceOf(ChannelLinkError);
    return (error as ChannelLinkError).code;
  }
  return undefined;
}

describe('resolveOptions', () => {
  it('applies the documented defaults', () => {
    expect(resolveOptions({ url: 'ws://localhost:8080' })).toEqual({
      engine: {
        urls: ['ws://localhost:8080'],
        appId: 'default',
        heartbeatIntervalMs: 1000,
        connectionTimeoutMs: 4000,
        joinTimeoutMs: 15000,
        reconnect: { initialDelayMs: 250, maxDelayMs: 5000, giveUpAfterMs: 20 * 60_000 },
        role: 'host',
      },
      worker: 'auto',
      leaveOnPageHide: true,
    });
    expect(DEFAULT_ENGINE_OPTIONS.reconnect.giveUpAfterMs).toBe(1_200_000);
  });

  it('takes one URL or a list of them, each checked', () => {
    expect(resolveOptions({ url: ['ws://a:1', 'wss://b:2/x'] }).engine.urls).toEqual(['ws://a:1', 'wss://b:2/x']);
    expect(codeOf({ url: [] })).toBe('INVALID_PARAMS');
    expect(codeOf({ url: ['ws://a:1', 'http://b'] })).toBe('INVALID_PARAMS');
    expect(codeOf({ url: ['ws://a:1', 42] })).toBe('INVALID_PARAMS');
    expect(codeOf({ url: Array.from({ length: 17 }, (_, i) => `ws://h${i}`) })).toBe('INVALID_PARAMS');
  });

  it('says what is wrong with a url, and echoes what it got', () => {
    const message = (options: unknown) => {
      try {
        resolveOptions(options as ClientOptions);
      } catch (error) {
        return (error as ChannelLinkError).message;
      }
      return '';
    };
    expect(message({ url: 8080 })).toBe('url must be a ws:// or wss:// URL string, or a list of them; got 8080 (number)');
    expect(message({})).toContain('url is required');
    expect(message({ url: 'http://x:1' })).toBe('url must start with ws:// or wss://; got "http://x:1"');
  });

  it('keeps valid overrides, including partial reconnect options', () => {
    const { engine, worker } = resolveOptions({
      url: 'wss://example.com/ws',
      appId: 'demo',
      heartbeatIntervalMs: 500,
      reconnect: { maxDelayMs: 9000 },
      worker: 'inline',
    });
    expect(engine).toMatchObject({ urls: ['wss://example.com/ws'], appId: 'demo', heartbeatIntervalMs: 500 });
    expect(engine.reconnect).toEqual({ initialDelayMs: 250, maxDelayMs: 9000, giveUpAfterMs: 1_200_000 });
    expect(worker).toBe('inline');
    const port = { postMessage: () => {}, on: () => {} };
    expect(resolveOptions({ url: 'ws://x', worker: port }).worker).toBe(port);
    expect(resolveOptions({ url: 'ws://x', leaveOnPageHide: false }).leaveOnPageHide).toBe(false);
  });

  const bad: [string, unknown][] = [
    ['no options', undefined],
    ['null options', null],
    ['missing url', {}],
    ['url not a string', { url: 42 }],
    ['url not a URL', { url: 'not a url' }],
    ['http url', { url: 'http://localhost:8080' }],
    ['empty appId', { url: 'ws://x', appId: '' }],
    ['appId too long', { url: 'ws://x', appId: 'a'.repeat(129) }],
    ['negative heartbeat', { url: 'ws://x', heartbeatIntervalMs: -1 }],
    ['zero connection timeout', { url: 'ws://x', connectionTimeoutMs: 0 }],
    ['NaN join timeout', { url: 'ws://x', joinTimeoutMs: Number.NaN }],
    ['infinite join timeout', { url: 'ws://x', joinTimeoutMs: Infinity }],
    ['string heartbeat', { url: 'ws://x', heartbeatIntervalMs: '1000' }],
    ['negative initial delay', { url: 'ws://x', reconnect: { initialDelayMs: -5 } }],
    ['negative give-up', { url: 'ws://x', reconnect: { giveUpAfterMs: -1 } }],
    ['max delay below initial', { url: 'ws://x', reconnect: { initialDelayMs: 1000, maxDelayMs: 500 } }],
    ['reconnect not an object', { url: 'ws://x', reconnect: 5 }],
    ['unknown worker string', { url: 'ws://x', worker: 'thread' }],
    ['worker without postMessage', { url: 'ws://x', worker: {} }],
    ['worker a number', { url: 'ws://x', worker: 1 }],
    ['leaveOnPageHide not a boolean', { url: 'ws://x', leaveOnPageHide: 'yes' }],
  ];
  for (const [name, options] of bad) {
    it(`rejects ${name} with INVALID_PARAMS`, () => {
      expect(codeOf(options)).toBe('INVALID_PARAMS');
    });
  }
});
