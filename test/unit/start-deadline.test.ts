/** The engine's start-up deadline: at most 10 s, and always ahead of every call's own deadline. */
import { describe, expect, it } from 'vitest';
import { callTimeouts } from '../../src/engine-bridge.js';
import { MAX_START_MS, startTimeoutMs } from '../../src/engine-host.js';
import { DEFAULT_ENGINE_OPTIONS, type EngineOptions } from '../../src/types.js';

const options = (over: Partial<EngineOptions>): EngineOptions => ({ ...DEFAULT_ENGINE_OPTIONS, urls: ['ws://x'], ...over });

describe('startTimeoutMs', () => {
  it('is 10 s with the default options (join would time out only after 20 s)', () => {
    expect(startTimeoutMs(options({}))).toBe(MAX_START_MS);
    expect(MAX_START_MS).toBe(10_000);
    expect(callTimeouts(options({})).join).toBe(20_000);
  });

  it.each([
    [{ joinTimeoutMs: 1000, connectionTimeoutMs: 500 }],
    [{ joinTimeoutMs: 1, connectionTimeoutMs: 1 }],
    [{ joinTimeoutMs: 60_000, connectionTimeoutMs: 100 }],
  ])('comes before any call deadline with %j', (over) => {
    const o = options(over);
    const { join, request, dispose } = callTimeouts(o);
    expect(startTimeoutMs(o)).toBeLessThan(Math.min(join, request, dispose));
    expect(startTimeoutMs(o)).toBeGreaterThanOrEqual(1000);
  });
});
