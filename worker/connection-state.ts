/** The connection state machine: an explicit transition table and a single `setState`. */
import type { ConnectionChangeReason, ConnectionState, ConnectionStateChange } from '../src/types.js';
import { assertTransition, type TransitionTable } from './transition-table.js';

export { IllegalTransitionError } from './transition-table.js';

export const TRANSITIONS: TransitionTable<ConnectionState> = {
  DISCONNECTED: ['CONNECTING'],
  CONNECTING: ['CONNECTED', 'DISCONNECTED'],
  CONNECTED: ['CONNECTING', 'DISCONNECTING', 'DISCONNECTED'],
  DISCONNECTING: ['DISCONNECTED'],
};

export class ConnectionStateMachine {
  private current: ConnectionState = 'DISCONNECTED';

  constructor(private readonly onChange: (change: ConnectionStateChange) => void) {}

  get state(): ConnectionState {
    return this.current;
  }

  /** Returns the change, or null for a no-op (same state); throws on an illegal transition (a bug). */
  setState(next: ConnectionState, reason: ConnectionChangeReason): ConnectionStateChange | null {
    const prev = this.current;
    if (prev === next) return null;
    assertTransition('connection state', TRANSITIONS, prev, next, reason);
    this.current = next;
    const change: ConnectionStateChange = { curState: next, prevState: prev, reason };
    this.onChange(change);
    return change;
  }
}
