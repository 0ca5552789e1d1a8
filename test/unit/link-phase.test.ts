import { describe, expect, it } from 'vitest';
import { LinkPhaseMachine, type LinkPhase } from '../../worker/link-phase.js';
import { IllegalTransitionError } from '../../worker/transition-table.js';

function machineAt(path: LinkPhase[]): LinkPhaseMachine {
  const machine = new LinkPhaseMachine();
  for (const phase of path) machine.to(phase);
  return machine;
}

describe('LinkPhaseMachine', () => {
  it('goes through a connect, a loss and a reconnect', () => {
    const machine = new LinkPhaseMachine();
    const seen: LinkPhase[] = [machine.current];
    for (const phase of ['opening', 'handshaking', 'joined', 'waiting', 'opening', 'waiting', 'opening', 'handshaking', 'joined', 'idle'] as const) {
      machine.to(phase);
      seen.push(machine.current);
    }
    expect(seen).toEqual(['idle', 'opening', 'handshaking', 'joined', 'waiting', 'opening', 'waiting', 'opening', 'handshaking', 'joined', 'idle']);
  });

  it('reports an attempt only while opening or handshaking', () => {
    expect(machineAt([]).attempting).toBe(false);
    expect(machineAt(['opening']).attempting).toBe(true);
    expect(machineAt(['opening', 'handshaking']).attempting).toBe(true);
    expect(machineAt(['opening', 'handshaking', 'joined']).attempting).toBe(false);
    expect(machineAt(['opening', 'waiting']).attempting).toBe(false);
  });

  it('stops from every phase, and staying put is a no-op', () => {
    for (const path of [[], ['opening'], ['opening', 'handshaking'], ['opening', 'handshaking', 'joined'], ['opening', 'waiting']] as LinkPhase[][]) {
      const machine = machineAt(path);
      machine.to(machine.current);
      machine.to('idle');
      expect(machine.current).toBe('idle');
    }
  });

  it('throws on a move the loop never makes', () => {
    expect(() => machineAt([]).to('joined')).toThrow(IllegalTransitionError);
    expect(() => machineAt([]).to('handshaking')).toThrow(IllegalTransitionError);
    expect(() => machineAt(['opening']).to('joined')).toThrow(IllegalTransitionError);
    expect(() => machineAt(['opening', 'waiting']).to('handshaking')).toThrow(IllegalTransitionError);
    expect(() => machineAt(['opening', 'handshaking', 'joined']).to('opening')).toThrow(IllegalTransitionError);
  });
});
