/**
 * Deadlines of many items behind one timer: a binary min-heap on `due`, and a single Node timer
 * armed for the earliest. A server with thousands of sessions then holds one Timeout instead of one
 * per session, and a deadline that moves costs a heap update, not a new timer.
 *
 * With `slackMs`, the timer wakes only on multiples of it, handling every deadline due by then:
 * deadlines come up to `slackMs` late (never early), and thousands of sessions whose deadlines
 * are spread over a second cost a few wake-ups of the process a second instead of thousands.
 */

export interface Deadline {
  /** When the item is due (ms, on the queue's clock). */
  due: number;
  /** Its place in the heap; -1 when not queued. Owned by the queue. */
  slot: number;
}

/** setTimeout's limit; a longer wait is done in steps. */
const MAX_DELAY_MS = 2 ** 31 - 1;

export class DeadlineQueue<T extends Deadline> {
  private readonly heap: T[] = [];
  private timer: NodeJS.Timeout | null = null;
  /** The due time the timer is armed for (Infinity: none). */
  private armedFor = Infinity;

  constructor(
    private readonly now: () => number,
    /** Called once for each item whose deadline has come, already out of the queue. */
    private readonly onDue: (item: T) => void,
    private readonly slackMs = 0,
  ) {}

  get size(): number {
    return this.heap.length;
  }

  /** Queues the item for `due`, or moves it there if it is queued already. */
  schedule(item: T, due: number): void {
    item.due = due;
    if (item.slot < 0) {
      item.slot = this.heap.length;
      this.heap.push(item);
    }
    this.siftDown(this.siftUp(item.slot));
    this.arm();
  }

  /** Takes the item out of the queue (nothing if it is not queued). */
  cancel(item: T): void {
    if (item.slot < 0) return;
    this.removeAt(item.slot);
    this.arm();
  }

  /** Empties the queue and stops the timer. */
  clear(): void {
    for (const item of this.heap) item.slot = -1;
    this.heap.length = 0;
    this.disarm();
  }

  private fire(): void {
    this.timer = null;
    this.armedFor = Infinity;
    const now = this.now();
    const due: T[] = [];
    while (this.heap.length > 0 && this.heap[0]!.due <= now) due.push(this.removeAt(0));
    for (const item of due) this.onDue(item);
    this.arm();
  }

  /** Arms the timer for the earliest deadline, unless it is armed for that already (or earlier). */
  private arm(): void {
    const top = this.heap[0];
    if (!top) return this.disarm();
    const at = this.slackMs > 0 ? Math.ceil(top.due / this.slackMs) * this.slackMs : top.due;
    if (this.timer && this.armedFor <= at) return;
    if (this.timer) clearTimeout(this.timer);
    this.armedFor = at;
    this.timer = setTimeout(() => this.fire(), Math.min(MAX_DELAY_MS, Math.max(0, at - this.now())));
    this.timer.unref();
  }

  private disarm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.armedFor = Infinity;
  }

  private removeAt(slot: number): T {
    const heap = this.heap;
    const item = heap[slot]!;
    const last = heap.pop()!;
    item.slot = -1;
    if (last !== item) {
      heap[slot] = last;
      last.slot = slot;
      this.siftDown(this.siftUp(slot));
    }
    return item;
  }

  private siftUp(slot: number): number {
    const heap = this.heap;
    const item = heap[slot]!;
    while (slot > 0) {
      const parent = (slot - 1) >> 1;
      if (heap[parent]!.due <= item.due) break;
      heap[slot] = heap[parent]!;
      heap[slot]!.slot = slot;
      slot = parent;
    }
    heap[slot] = item;
    item.slot = slot;
    return slot;
  }

  private siftDown(slot: number): void {
    const heap = this.heap;
    const item = heap[slot]!;
    for (;;) {
      const left = 2 * slot + 1;
      if (left >= heap.length) break;
      const right = left + 1;
      const child = right < heap.length && heap[right]!.due < heap[left]!.due ? right : left;
      if (heap[child]!.due >= item.due) break;
      heap[slot] = heap[child]!;
      heap[slot]!.slot = slot;
      slot = child;
    }
    heap[slot] = item;
    item.slot = slot;
  }
}
