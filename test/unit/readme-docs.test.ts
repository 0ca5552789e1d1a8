/**
 * The README documents the API as it is (issue 9): every error code of ERROR_CODES and every event
 * of the event map, no more and no less, every createClient() option, and each example it marks is
 * run by a test (test/integration/readme-examples.test.ts, test/integration/subscribe-once.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../src/errors.js';
import { resolveOptions } from '../../src/options.js';
import { CHANNEL_EVENT_NAMES } from '../../src/types.js';
import { readme, readmeExample, readmeExampleNames, readmeTableKeys } from '../support/readme.js';

describe('README', () => {
  it('documents every error code, as ERROR_CODES lists them', () => {
    expect([...readmeTableKeys('### Errors')].sort()).toEqual([...ERROR_CODES].sort());
  });

  it('documents every event of the event map', () => {
    expect([...readmeTableKeys('### Events')].sort()).toEqual([...CHANNEL_EVENT_NAMES].sort());
  });

  it('documents every createClient() option', () => {
    const { engine, ...rest } = resolveOptions({ url: 'ws://x' });
    // The engine holds the URL list as `urls`; the option an app passes is `url`.
    const options = [...Object.keys(engine), ...Object.keys(rest)].map((key) => (key === 'urls' ? 'url' : key));
    const row = readme()
      .split('\n')
      .find((line) => line.startsWith('| `createClient('))!;
    for (const option of options) expect(row, option).toContain(option);
  });

  it('marks the examples the tests run, each a code block', () => {
    expect(readmeExampleNames()).toEqual(['browser-connect', 'browser-subscribe', 'browser-join', 'node', 'token']);
    for (const name of readmeExampleNames()) expect(readmeExample(name).code.length).toBeGreaterThan(0);
  });
});
