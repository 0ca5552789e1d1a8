/**
 * Closing a tab or navigating away is a departure (DESIGN §4.11): on `pagehide` the client leaves,
 * so peers see `peer-leave` QUIT at once instead of a timeout. The leave is a one-way signal to the
 * engine, which puts the leave frame on the wire in the task the signal arrives in: the worker may
 * be torn down right after. (`pagehide`, not `beforeunload`, which fires for navigations that are
 * then cancelled and not for pages going into the back/forward cache.) A page restored from the
 * back/forward cache (`pageshow` with `persisted`) joins again with the same token, channel and uid.
 */
import type { ConnectionState, Uid } from './types.js';

/** The page events the client reacts to: a window's in browsers; none in Node or inside a worker. */
export interface PageLifecycle {
  /** Calls `hide` on `pagehide` and `show(persisted)` on `pageshow`; returns the function that stops. */
  listen(hide: () => void, show: (persisted: boolean) => void): () => void;
}

/** The window's page lifecycle, or null where there is no page (a worker, Node). */
export function windowPageLifecycle(): PageLifecycle | null {
  const scope = globalThis as unknown as { document?: unknown; addEventListener?: unknown };
  if (typeof scope.document !== 'object' || typeof scope.addEventListener !== 'function') return null;
  return eventTargetPageLifecycle(globalThis as unknown as EventTarget);
}

/** `pagehide` and `pageshow` (with its `persisted`) as fired on `target`. */
export function eventTargetPageLifecycle(target: EventTarget): PageLifecycle {
  return {
    listen(hide, show) {
      const onHide = () => hide();
      const onShow = (event: Event) => show((event as Event & { persisted?: boolean }).persisted === true);
      target.addEventListener('pagehide', onHide);
      target.addEventListener('pageshow', onShow);
      return () => {
        target.removeEventListener('pagehide', onHide);
        target.removeEventListener('pageshow', onShow);
      };
    },
  };
}

export interface JoinArgs {
  token: string | null;
  channel: string;
  uid: Uid | null;
}

/** What PageLeave needs from the client. */
export interface PageLeaveHost {
  state(): ConnectionState;
  /** Signals the engine to leave now (synchronously posted). */
  leaveNow(): void;
  /** Joins again after a restore from the back/forward cache. */
  rejoin(args: JoinArgs): void;
}

export class PageLeave {
  /** The arguments of the join under way, then of the last join that succeeded (with the uid it got). */
  private joining: JoinArgs | null = null;
  private joined: JoinArgs | null = null;
  /** Set on a pagehide that left: what to join again if the page comes back. */
  private toRejoin: JoinArgs | null = null;
  private readonly stop: () => void;

  constructor(
    lifecycle: PageLifecycle,
    private readonly host: PageLeaveHost,
  ) {
    this.stop = lifecycle.listen(
      () => this.onHide(),
      (persisted) => this.onShow(persisted),
    );
  }

  /** join() was called, from DISCONNECTED, with these arguments. */
  joinStarted(args: JoinArgs): void {
    this.joining = { ...args };
  }

  /** That join settled: with the uid the server confirmed, or failed (null). */
  joinSettled(args: JoinArgs, uid: Uid | null): void {
    if (this.joining && this.joining.channel === args.channel) this.joining = null;
    if (uid !== null) this.joined = { ...args, uid };
  }

  /** The token was renewed: a rejoin presents the new one. */
  tokenRenewed(token: string): void {
    if (this.joined) this.joined.token = token;
  }

  dispose(): void {
    this.stop();
    this.toRejoin = null;
  }

  private onHide(): void {
    const state = this.host.state();
    // DISCONNECTING is the app's own leave(): nothing to do, and nothing to rejoin.
    if (state !== 'CONNECTED' && state !== 'CONNECTING') return;
    const args = this.joining ?? this.joined;
    if (!args) return;
    this.toRejoin = { ...args };
    this.host.leaveNow();
  }

  private onShow(persisted: boolean): void {
    const args = this.toRejoin;
    this.toRejoin = null;
    if (persisted && args) this.host.rejoin(args);
  }
}
