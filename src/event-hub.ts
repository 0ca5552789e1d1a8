/**
 * Events for the app, derived from the typed event map: `events$` carries every event, `on()`,
 * `off()` and `event$()` are thin views of it filtered by name. A name outside the map is a bug
 * in the app (a typo): it throws INVALID_PARAMS naming the known events, rather than never firing.
 */
import { Subject, filter, type Observable, type Subscription } from 'rxjs';
import { ChannelLinkError } from './errors.js';
import { CHANNEL_EVENT_NAMES, type ChannelEvent, type ChannelEventName, type ChannelEventOf } from './types.js';

export type ChannelEventHandler<K extends ChannelEventName> = (event: ChannelEventOf<K>) => void;

type AnyHandler = (event: never) => void;

function assertEventName(name: unknown, method: string): asserts name is ChannelEventName {
  if (!(CHANNEL_EVENT_NAMES as readonly unknown[]).includes(name)) {
    throw new ChannelLinkError('INVALID_PARAMS', `${method}: unknown event ${JSON.stringify(name)}; the events are: ${CHANNEL_EVENT_NAMES.join(', ')}`);
  }
}

export class EventHub {
  private readonly subject = new Subject<ChannelEvent>();
  private readonly listeners = new Map<ChannelEventName, Map<AnyHandler, Subscription>>();
  readonly events$: Observable<ChannelEvent> = this.subject.asObservable();

  emit(event: ChannelEvent): void {
    this.subject.next(event);
  }

  /** The events of one name, typed to that event. */
  ofType<K extends ChannelEventName>(name: K): Observable<ChannelEventOf<K>> {
    assertEventName(name, 'event$()');
    return this.events$.pipe(filter((event): event is ChannelEventOf<K> => event.type === name));
  }

  /**
   * Adds a listener and returns the function that removes it. Registering the same handler twice
   * for one event has no further effect (as DOM listeners).
   */
  on<K extends ChannelEventName>(name: K, handler: ChannelEventHandler<K>): () => void {
    assertEventName(name, 'on()');
    if (typeof handler !== 'function') throw new ChannelLinkError('INVALID_PARAMS', `on('${name}') needs a handler function`);
    const remove = () => this.off(name, handler);
    let byHandler = this.listeners.get(name);
    if (!byHandler) this.listeners.set(name, (byHandler = new Map()));
    if (byHandler.has(handler as AnyHandler)) return remove;
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
    return remove;
  }

  off<K extends ChannelEventName>(name: K, handler: ChannelEventHandler<K>): void {
    assertEventName(name, 'off()');
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
