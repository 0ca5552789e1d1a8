// @vitest-environment jsdom
/**
 * The browser host's fallbacks (src/host-browser.ts; README, Bundlers) in jsdom, with a stand-in
 * Worker class: a worker that fails to load is WORKER_FAILED naming the URL the browser was asked
 * to load and the recipe; one that throws names its error; a frozen global Worker still starts
 * (without the URL); a given Worker is named as such; a terminated worker's late error is silent.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ChannelLinkError } from '../../../src/errors.js';
import { browserWorkerHost } from '../../../src/host-browser.js';
import { TEST_OPTIONS } from '../fakes.js';

/** A Worker that records its construction and answers nothing. */
class StandInWorker extends EventTarget {
  static made: StandInWorker[] = [];
  terminated = false;
  constructor(
    readonly url: string | URL,
    readonly options?: WorkerOptions,
  ) {
    super();
    StandInWorker.made.push(this);
  }
  postMessage(): void {}
  terminate(): void {
    this.terminated = true;
  }
}

const native = Object.getOwnPropertyDescriptor(globalThis, 'Worker');

function start(given?: Worker) {
  const failures: ChannelLinkError[] = [];
  void browserWorkerHost(given)(TEST_OPTIONS, { onBatch: () => {}, onFailure: (error) => failures.push(error) }).catch(() => {});
  return failures;
}

beforeEach(() => {
  vi.useFakeTimers();
  StandInWorker.made = [];
  Object.defineProperty(globalThis, 'Worker', { value: StandInWorker, configurable: true, writable: true });
});
afterEach(() => {
  vi.useRealTimers();
  if (native) Object.defineProperty(globalThis, 'Worker', native);
  else delete (globalThis as { Worker?: unknown }).Worker;
});

describe('browserWorkerHost', () => {
  it('starts the packaged module worker and restores the global Worker at once', () => {
    start();
    expect(StandInWorker.made).toHaveLength(1);
    const [worker] = StandInWorker.made;
    expect(String(worker!.url)).toMatch(/\/worker\/browser-entry\.[jt]s/);
    expect(worker!.options).toMatchObject({ type: 'module', name: 'channel-link' });
    expect(globalThis.Worker).toBe(StandInWorker);
  });

  it('a worker that fails to load: WORKER_FAILED naming the URL asked for and the recipe', () => {
    const failures = start();
    const event = new Event('error', { cancelable: true });
    StandInWorker.made[0]!.dispatchEvent(event);
    expect(event.defaultPrevented).toBe(true);
    expect(failures).toHaveLength(1);
    expect(failures[0]!.code).toBe('WORKER_FAILED');
    expect(failures[0]!.message).toMatch(/^engine worker failed to load: \S+\/worker\/browser-entry\.[jt]s\S*; see "Bundlers" in the channel-link README/);
  });

  it('a worker that throws: its message, file and line', () => {
    const failures = start();
    StandInWorker.made[0]!.dispatchEvent(new ErrorEvent('error', { message: 'boom', filename: 'w.js', lineno: 7 }));
    expect(failures.map((f) => f.message)).toEqual(['engine worker failed: boom (w.js:7)']);
  });

  it('a frozen global Worker: the worker starts all the same, the message names the package path', () => {
    Object.defineProperty(globalThis, 'Worker', { value: StandInWorker, configurable: true, writable: false });
    const failures = start();
    expect(StandInWorker.made).toHaveLength(1);
    StandInWorker.made[0]!.dispatchEvent(new Event('error'));
    expect(failures[0]!.message).toMatch(/^engine worker failed to load: channel-link\/worker\/browser-entry\.js; /);
  });

  it('a Worker the app gave: named as options.worker', () => {
    const given = new StandInWorker('app-worker.js');
    const failures = start(given as unknown as Worker);
    expect(StandInWorker.made).toEqual([given]);
    given.dispatchEvent(new Event('error'));
    expect(failures[0]!.message).toMatch(/failed to load: the worker given as options\.worker;/);
  });
});
