// @vitest-environment jsdom
/**
 * The page lifecycle listeners (docs/behaviour.md, Leaving the page) on a real DOM window (jsdom):
 * where there is a document, the window's `pagehide` and `pageshow` (with `persisted`) reach the
 * client's callbacks, and stopping removes both listeners.
 */
import { describe, expect, it } from 'vitest';
import { windowPageLifecycle } from '../../../src/page-leave.js';

function pageShow(persisted: boolean): Event {
  const event = new Event('pageshow');
  Object.defineProperty(event, 'persisted', { value: persisted });
  return event;
}

describe('windowPageLifecycle in a window', () => {
  it('finds the window, and calls hide on pagehide and show(persisted) on pageshow, until stopped', () => {
    const lifecycle = windowPageLifecycle();
    expect(lifecycle).not.toBeNull();
    const seen: string[] = [];
    const stop = lifecycle!(
      () => seen.push('hide'),
      (persisted) => seen.push(`show ${persisted}`),
    );
    window.dispatchEvent(new Event('pagehide'));
    window.dispatchEvent(pageShow(true));
    window.dispatchEvent(pageShow(false));
    // A pageshow without the field (an old browser) is not a restore.
    window.dispatchEvent(new Event('pageshow'));
    expect(seen).toEqual(['hide', 'show true', 'show false', 'show false']);
    stop();
    window.dispatchEvent(new Event('pagehide'));
    window.dispatchEvent(pageShow(true));
    expect(seen).toHaveLength(4);
  });
});
