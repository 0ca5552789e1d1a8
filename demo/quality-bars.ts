/**
 * Network quality as signal bars (docs/api.md, Attributes and network quality): five bars, lit
 * from 5 for excellent down to none for down; 0 (unknown) shows as a dash. Both demo views use it.
 */
import type { NetworkQuality, QualityLevel } from 'channel-link';
import { el } from './dom.js';

const WORDS: Record<QualityLevel, string> = { 0: 'unknown', 1: 'excellent', 2: 'good', 3: 'poor', 4: 'bad', 5: 'very bad', 6: 'down' };

/** The worse of the two directions: what a user feels. */
export const worstOf = (q: NetworkQuality | undefined): QualityLevel =>
  q ? (Math.max(q.uplinkNetworkQuality, q.downlinkNetworkQuality) as QualityLevel) : 0;

/** Bars and words for a quality, e.g. ▮▮▮▯▯ good (↑1 ↓2). */
export function qualityBars(q: NetworkQuality | undefined, testId?: string): HTMLElement {
  const level = worstOf(q);
  const lit = level === 0 ? 0 : 6 - level;
  const bars = el('span', { class: 'bars', 'aria-hidden': 'true' }, ...[1, 2, 3, 4, 5].map((i) => el('i', { class: i <= lit ? 'on' : undefined })));
  const words = level === 0 ? '–' : `${WORDS[level]} (↑${q!.uplinkNetworkQuality} ↓${q!.downlinkNetworkQuality})`;
  return el('span', { class: `quality q${level}`, 'data-quality': String(level), ...(testId ? { 'data-testid': testId } : {}) }, bars, ` ${words}`);
}
