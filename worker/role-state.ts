/**
 * The local user's role (docs/behaviour.md, Roles and large channels): the one in force (as the
 * server last confirmed it, or as set before joining), the one the next join frame asks for, and
 * the setClientRole() calls that wait for a rejoin to apply theirs.
 */
import { ChannelLinkError, type ErrorCode } from '../src/errors.js';
import type { ClientRole } from '../src/types.js';

interface Waiter {
  role: ClientRole;
  resolve(): void;
  reject(error: ChannelLinkError): void;
}

export class RoleState {
  private applied: ClientRole;
  private asked: ClientRole;
  private waiters: Waiter[] = [];

  constructor(initial: ClientRole) {
    this.applied = initial;
    this.asked = initial;
  }

  /** The role in force. */
  get current(): ClientRole {
    return this.applied;
  }

  /** The role the next join frame asks for. */
  get wanted(): ClientRole {
    return this.asked;
  }

  /** The next join (or the request under way) asks for `role`. */
  want(role: ClientRole): void {
    this.asked = role;
  }

  /** Resolves once a join confirms `role`; rejects (CHANNEL_FULL) if it confirms another. */
  awaitJoin(role: ClientRole): Promise<void> {
    this.asked = role;
    return new Promise((resolve, reject) => this.waiters.push({ role, resolve, reject }));
  }

  /**
   * The server applied `role` (a joined frame, an ack), or it was set before joining; true if it
   * changed. `asked`: what the join it answers asked for. A waiter for another role is refused if
   * that join asked for its role (the hosts were full); one the join did not ask for (it was sent
   * before the call) keeps waiting, and `wanted` says the role still to request.
   */
  confirm(role: ClientRole, asked: ClientRole = role): boolean {
    const changed = role !== this.applied;
    this.applied = role;
    this.asked = role;
    const waiting: Waiter[] = [];
    for (const waiter of this.waiters.splice(0)) {
      if (waiter.role === role) waiter.resolve();
      else if (waiter.role === asked) waiter.reject(new ChannelLinkError('CHANNEL_FULL', `the channel has no room for another host: the client stays ${role}`));
      else waiting.push(waiter);
    }
    this.waiters = waiting;
    if (waiting.length > 0) this.asked = waiting[waiting.length - 1]!.role;
    return changed;
  }

  /** The request for another role failed with `error`: the next join asks for the role in force again. */
  withdraw(error: ChannelLinkError): void {
    this.asked = this.applied;
    for (const waiter of this.waiters.splice(0)) waiter.reject(error);
  }

  /** Out of the channel: no rejoin will confirm anything. */
  rejectAll(code: ErrorCode, message: string): void {
    this.asked = this.applied;
    for (const waiter of this.waiters.splice(0)) waiter.reject(new ChannelLinkError(code, message));
  }
}
