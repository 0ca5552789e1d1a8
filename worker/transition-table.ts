/** Explicit transition tables for the worker's state machines: an illegal transition is a bug and throws. */

export type TransitionTable<S extends string> = Readonly<Record<S, readonly S[]>>;

export class IllegalTransitionError extends Error {
  override readonly name = 'IllegalTransitionError';
  constructor(machine: string, from: string, to: string, detail?: string) {
    super(`illegal ${machine} transition ${from} -> ${to}${detail ? ` (${detail})` : ''}`);
  }
}

/** Throws IllegalTransitionError unless `table` allows `from` -> `to` (a same-state move is the caller's no-op). */
export function assertTransition<S extends string>(machine: string, table: TransitionTable<S>, from: S, to: S, detail?: string): void {
  if (!table[from].includes(to)) throw new IllegalTransitionError(machine, from, to, detail);
}
