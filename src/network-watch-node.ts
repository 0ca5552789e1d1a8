/**
 * Node has no `online` event, so the network interfaces are polled: one poller per process, on
 * the main thread, shared by every client (each signals its engine, in its worker or inline), not
 * one per client. It runs only while some client listens, and never keeps the process alive.
 */
import { networkInterfaces } from 'node:os';

const POLL_MS = 2000;

/** Whether some non-internal interface is up (a laptop on Wi-Fi, a container with its link). */
export const hasExternalInterface = (): boolean =>
  Object.values(networkInterfaces()).some((list) => list?.some((net) => !net.internal));

export class NetworkWatch {
  private readonly listeners = new Set<() => void>();
  private timer: ReturnType<typeof setInterval> | null = null;
  private wasOnline = false;

  constructor(
    private readonly isOnline: () => boolean = hasExternalInterface,
    private readonly pollMs = POLL_MS,
  ) {}

  /** `listener` runs each time a non-internal interface appears where there was none; returns the unsubscribe. */
  subscribe(listener: () => void): () => void {
    const entry = () => listener();
    this.listeners.add(entry);
    if (!this.timer) this.start();
    return () => {
      this.listeners.delete(entry);
      if (this.listeners.size === 0) this.stop();
    };
  }

  /** Tells every listener the network is back: what a poll does when it sees an interface come up. */
  notifyOnline(): void {
    for (const listener of [...this.listeners]) listener();
  }

  private start(): void {
    this.wasOnline = this.isOnline();
    this.timer = setInterval(() => this.poll(), this.pollMs);
    this.timer.unref();
  }

  private stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private poll(): void {
    const online = this.isOnline();
    if (online && !this.wasOnline) this.notifyOnline();
    this.wasOnline = online;
  }
}

/** The one watcher of this process. */
export const processNetworkWatch = new NetworkWatch();
