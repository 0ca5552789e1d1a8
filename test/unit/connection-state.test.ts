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

  it('walks every step of the timeline (docs/behaviour.md) with the reasons it names', () => {
    const changes: ConnectionStateChange[] = [];
    const machine = new ConnectionStateMachine((c) => changes.push(c));
    machine.setState('CONNECTING', 'JOIN');
    machine.setState('CONNECTED', 'JOINED');
    machine.setState('CONNECTING', 'TIMEOUT');
    machine.setState('CONNECTED', 'RECONNECTED');
    machine.setState('CONNECTING', 'NETWORK_ERROR');
    machine.setState('DISCONNECTED', 'NETWORK_ERROR'); // reconnect gave up
    machine.setState('CONNECTING', 'JOIN');
    machine.setState('DISCONNECTED', 'INVALID_TOKEN'); // a refused join
    machine.setState('CONNECTING', 'JOIN');
    machine.setState('CONNECTED', 'JOINED');
    machine.setState('DISCONNECTED', 'UID_BANNED'); // replaced from elsewhere
    machine.setState('CONNECTING', 'JOIN');
    machine.setState('CONNECTED', 'JOINED');
    machine.setState('DISCONNECTING', 'LEAVE');
    machine.setState('DISCONNECTED', 'LEAVE');
    expect(changes.map((c) => `${c.prevState}>${c.curState}:${c.reason}`)).toEqual([
      'DISCONNECTED>CONNECTING:JOIN',
      'CONNECTING>CONNECTED:JOINED',
      'CONNECTED>CONNECTING:TIMEOUT',
      'CONNECTING>CONNECTED:RECONNECTED',
      'CONNECTED>CONNECTING:NETWORK_ERROR',
      'CONNECTING>DISCONNECTED:NETWORK_ERROR',
      'DISCONNECTED>CONNECTING:JOIN',
      'CONNECTING>DISCONNECTED:INVALID_TOKEN',
      'DISCONNECTED>CONNECTING:JOIN',
      'CONNECTING>CONNECTED:JOINED',
      'CONNECTED>DISCONNECTED:UID_BANNED',
      'DISCONNECTED>CONNECTING:JOIN',
      'CONNECTING>CONNECTED:JOINED',
      'CONNECTED>DISCONNECTING:LEAVE',
      'DISCONNECTING>DISCONNECTED:LEAVE',
    ]);
  });

  it('refuses the moves the contract never makes: connected without connecting, leaving while not connected', () => {
    for (const [from, to] of [
      ['DISCONNECTED', 'CONNECTED'],
      ['DISCONNECTED', 'DISCONNECTING'],
      ['CONNECTING', 'DISCONNECTING'],
      ['DISCONNECTING', 'CONNECTING'],
      ['DISCONNECTING', 'CONNECTED'],
    ] as const) {
      const { machine } = machineIn(from);
      expect(() => machine.setState(to, 'JOINED'), `${from} -> ${to}`).toThrow(IllegalTransitionError);
    }
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
