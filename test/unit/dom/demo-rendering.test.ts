// @vitest-environment jsdom
/**
 * The demo's rendering helpers (docs/demo.md) on a real DOM (jsdom): elements with attributes and
 * properties, the quality bars (lit bars and words for each level of Agora's scale), a log that
 * keeps its newest entries.
 */
import { describe, expect, it } from 'vitest';
import { $, appendToLog, describeError, el } from '../../../demo/dom.js';
import { qualityBars, worstOf } from '../../../demo/quality-bars.js';
import type { QualityLevel } from '../../../src/types.js';

const q = (up: QualityLevel, down: QualityLevel) => ({ uplinkNetworkQuality: up, downlinkNetworkQuality: down });

describe('demo/dom.ts', () => {
  it('el() sets data/aria as attributes, class and others as properties, skips undefined and false, appends children', () => {
    const node = el('button', { class: 'big', 'data-testid': 'go', 'aria-label': 'Go', disabled: true, title: undefined, hidden: false }, 'Go ', el('b', {}, '!'));
    expect(node.outerHTML).toBe('<button class="big" data-testid="go" aria-label="Go" disabled="">Go <b>!</b></button>');
    document.body.append(node);
    expect($('go')).toBe(node);
    expect(() => $('missing')).toThrow('missing [data-testid="missing"]');
  });

  it('appendToLog keeps the newest `max` entries, oldest first', () => {
    const list = el('ul');
    for (let n = 1; n <= 5; n++) appendToLog(list, el('li', {}, String(n)), 3);
    expect([...list.children].map((c) => c.textContent)).toEqual(['3', '4', '5']);
  });

  it('describeError names a ChannelLinkError code', () => {
    expect(describeError({ code: 'TIMEOUT', message: 'late' })).toBe('TIMEOUT: late');
    expect(describeError(new Error('plain'))).toBe('plain');
  });
});

describe('demo/quality-bars.ts', () => {
  it('lights 5 bars for excellent down to none for down, by the worse direction; unknown is a dash', () => {
    const lit = (node: HTMLElement) => node.querySelectorAll('i.on').length;
    expect(worstOf(q(1, 3))).toBe(3);
    expect(worstOf(undefined)).toBe(0);
    const cases: [QualityLevel, number][] = [[1, 5], [2, 4], [3, 3], [4, 2], [5, 1], [6, 0]];
    for (const [level, bars] of cases) {
      const node = qualityBars(q(1, level), 'quality');
      expect(lit(node), `level ${level}`).toBe(bars);
      expect(node.querySelectorAll('i')).toHaveLength(5);
      expect(node.dataset.quality).toBe(String(level));
      expect(node.dataset.testid).toBe('quality');
    }
    expect(qualityBars(q(1, 2)).textContent).toBe(' good (↑1 ↓2)');
    const unknown = qualityBars(undefined);
    expect([lit(unknown), unknown.textContent, unknown.className]).toEqual([0, ' –', 'quality q0']);
  });
});
