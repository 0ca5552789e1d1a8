/**
 * The phases of the link's connect loop, with an explicit transition table:
 * idle -> opening (socket) -> handshaking (join sent) -> joined; a failed attempt or a lost link
 * waits out the backoff (waiting) and opens again; stop() returns to idle from anywhere.
 */
import { assertTransition, type TransitionTable } from './transition-table.js';

export type LinkPhase = 'idle' | 'waiting' | 'opening' | 'handshaking' | 'joined';

export const LINK_TRANSITIONS: TransitionTable<LinkPhase> = {
  idle: ['opening'],
  waiting: ['opening', 'idle'],
  opening: ['handshaking', 'waiting', 'idle'],
  handshaking: ['joined', 'waiting', 'idle'],
  joined: ['waiting', 'idle'],
};

export class LinkPhaseMachine {
  private phase: LinkPhase = 'idle';

  get current(): LinkPhase {
    return this.phase;
  }

  /** Whether a connection attempt (socket open or handshake) is under way. */
  get attempting(): boolean {
    return this.phase === 'opening' || this.phase === 'handshaking';
  }

  /** Moves to `next`; staying put is a no-op, an illegal move throws (a bug). */
  to(next: LinkPhase): void {
    if (next === this.phase) return;
    assertTransition('link phase', LINK_TRANSITIONS, this.phase, next);
    this.phase = next;
  }
}
