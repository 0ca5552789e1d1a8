// Network quality as five bars: 5 lit for excellent (1) down to none for down (6); 0 is unknown.
import type { NetworkQuality } from 'channel-link';

const WORDS = ['unknown', 'excellent', 'good', 'poor', 'bad', 'very bad', 'down'];

export function QualityBars({ quality }: { quality: NetworkQuality }) {
  // The worse direction is what the user feels.
  const level = Math.max(quality.uplinkNetworkQuality, quality.downlinkNetworkQuality);
  const lit = level === 0 ? 0 : 6 - level;
  return (
    <span data-testid="quality" data-quality={level} title={WORDS[level]}>
      {[1, 2, 3, 4, 5].map((i) => (i <= lit ? '▮' : '▯')).join('')} {WORDS[level]}
    </span>
  );
}
