import { describe, expect, it } from 'vitest';
import { CONNECTION_STATES, type ConnectionState, type ConnectionStateChange } from '../../src/types.js';
import { ConnectionStateMachine, IllegalTransitionError, TRANSITIONS } from '../../worker/connection-state.js';

/** A legal path from DISCONNECTED to each state. */
const PATH_TO: Record<ConnectionState, ConnectionState[]> = {
  DISCONNECTED: [],
  CONNECTING: ['CONNECTING'],
  CONNECTED: ['CONNECTING', 'CONNECTED'],
  DISCONNECTING: ['CONNECTING', 'CONNECTED', 'DISCONNECTING'],
};

function machineIn(state: ConnectionState) {
  const changes: ConnectionStateChange[] = [];
  const machine = new ConnectionStateMachine((c) => changes.push(c));
  for (const step of PATH_TO[state]) machine.setState(step, 'JOIN');
  expect(machine.state).toBe(state);
  changes.length = 0;
  return { machine, changes };
}

describe('ConnectionStateMachine', () => {
  it('starts DISCONNECTED', () => {
    expect(new ConnectionStateMachine(() => {}).state).toBe('DISCONNECTED');
  });

  it('has the transition table of the contract', () => {
    expect(TRANSITIONS).toEqual({
      DISCONNECTED: ['CONNECTING'],
      CONNECTING: ['CONNECTED', 'DISCONNECTED'],
      CONNECTED: ['CONNECTING', 'DISCONNECTING', 'DISCONNECTED'],
      DISCONNECTING: ['DISCONNECTED'],
    });
  });

  for (const from of CONNECTION_STATES) {
    for (const to of TRANSITIONS[from]) {
      it(`${from} -> ${to} works and emits {curState, prevState, reason}`, () => {
        const { machine, changes } = machineIn(from);
        const change = machine.setState(to, 'NETWORK_ERROR');
        const expected = { curState: to, prevState: from, reason: 'NETWORK_ERROR' };
        expect(change).toEqual(expected);
        expect(changes).toEqual([expected]);
        expect(machine.state).toBe(to);
      });
    }
  }

  for (const state of CONNECTION_STATES) {
    it(`${state} -> ${state} is a no-op: returns null and emits nothing`, () => {
      const { machine, changes } = machineIn(state);
      expect(machine.setState(state, 'LEAVE')).toBeNull();
      expect(changes).toEqual([]);
      expect(machine.state).toBe(state);
    });
  }

  for (const from of CONNECTION_STATES) {
    for (const to of CONNECTION_STATES) {
      if (to === from || TRANSITIONS[from].includes(to)) continue;
      it(`${from} -> ${to} is illegal: throws, no change, no event`, () => {
        const { machine, changes } = machineIn(from);
        expect(() => machine.setState(to, 'JOINED')).toThrow(IllegalTransitionError);
        expect(changes).toEqual([]);
        expect(machine.state).toBe(from);
      });
    }
  }
});
