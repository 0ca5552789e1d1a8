/**
 * Events for the app, derived from the typed event map: `events$` carries every event, `on()`
 * and `off()` are thin views of it filtered by name.
 */
import { Subject, filter, type Observable, type Subscription } from 'rxjs';
import type { ChannelEvent, ChannelEventName, ChannelEventOf } from './types.js';

export type ChannelEventHandler<K extends ChannelEventName> = (event: ChannelEventOf<K>) => void;

type AnyHandler = (event: never) => void;

export class EventHub {
  private readonly subject = new Subject<ChannelEvent>();
  private readonly listeners = new Map<ChannelEventName, Map<AnyHandler, Subscription>>();
  readonly events$: Observable<ChannelEvent> = this.subject.asObservable();

  emit(event: ChannelEvent): void {
    this.subject.next(event);
  }

  ofType<K extends ChannelEventName>(name: K): Observable<ChannelEventOf<K>> {
    return this.events$.pipe(filter((event): event is ChannelEventOf<K> => event.type === name));
  }

  /** Registering the same handler twice for one event has no further effect (as DOM listeners). */
  on<K extends ChannelEventName>(name: K, handler: ChannelEventHandler<K>): void {
    let byHandler = this.listeners.get(name);
    if (!byHandler) this.listeners.set(name, (byHandler = new Map()));
    if (byHandler.has(handler as AnyHandler)) return;
    const subscription = this.ofType(name).subscribe((event) => {
      try {
        handler(event);
      } catch (error) {
        // An app listener that throws must not break event delivery to the others.
        queueMicrotask(() => {
          throw error;
        });
      }
    });
    byHandler.set(handler as AnyHandler, subscription);
  }

  off<K extends ChannelEventName>(name: K, handler: ChannelEventHandler<K>): void {
    const byHandler = this.listeners.get(name);
    byHandler?.get(handler as AnyHandler)?.unsubscribe();
    byHandler?.delete(handler as AnyHandler);
  }

  complete(): void {
    for (const byHandler of this.listeners.values()) for (const sub of byHandler.values()) sub.unsubscribe();
    this.listeners.clear();
    this.subject.complete();
  }
}
