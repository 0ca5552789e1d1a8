/**
 * Notices a worker that stops answering without an error event (it closed itself, or hangs in a
 * loop). It probes the engine now and then; a probe that times out is retried once with a fresh
 * deadline, because a frozen main thread can make a healthy worker's reply look late.
 */
export interface WatchdogOptions {
  intervalMs: number;
  timeoutMs: number;
}

export const DEFAULT_WATCHDOG: WatchdogOptions = { intervalMs: 5000, timeoutMs: 5000 };

export class WorkerWatchdog {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;

  constructor(
    private readonly probe: () => Promise<unknown>,
    private readonly onUnresponsive: () => void,
    private readonly options: WatchdogOptions = DEFAULT_WATCHDOG,
  ) {
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.check(), this.options.intervalMs);
    // In Node the watchdog alone must not keep a process alive.
    (this.timer as { unref?: () => void }).unref?.();
  }

  private async check(): Promise<void> {
    if ((await this.answers()) || (await this.answers())) return this.schedule();
    if (!this.stopped) this.onUnresponsive();
  }

  private answers(): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), this.options.timeoutMs);
      this.probe().then(
        () => {
          clearTimeout(timer);
          resolve(true);
        },
        () => {
          clearTimeout(timer);
          resolve(false);
        },
      );
    });
  }
}
