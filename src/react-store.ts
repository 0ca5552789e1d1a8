/**
 * External stores for React's `useSyncExternalStore` over the client's observables
 * (docs/api.md, React). Each store is made once per client and kept, so its `subscribe` and
 * `getSnapshot` are the same functions on every render (no resubscribing, no render loop); it
 * holds one subscription to its source however many components read it, and only while one does.
 * A snapshot is the same object until the value changes.
 */
import { Observable, type Subscription } from 'rxjs';

/** What `useSyncExternalStore` takes. */
export interface ExternalStore<T> {
  readonly subscribe: (onChange: () => void) => () => void;
  readonly getSnapshot: () => T;
}

/** A store whose snapshot is `read()`, re-read each time `changes` emits. */
export function changeStore<T>(changes: Observable<unknown>, read: () => T): ExternalStore<T> {
  const listeners = new Set<() => void>();
  let source: Subscription | undefined;
  return {
    subscribe(listener) {
      listeners.add(listener);
      source ??= changes.subscribe(() => {
        for (const notify of [...listeners]) notify();
      });
      return () => {
        listeners.delete(listener);
        if (listeners.size || !source) return;
        source.unsubscribe();
        source = undefined;
      };
    },
    getSnapshot: read,
  };
}

/**
 * A store of the latest value of `source`, an observable that gives its current value on
 * subscribe (the client's `peers$`, `channelInfo$`). Unwatched, a snapshot peeks at it; after the
 * client is destroyed (its observables complete) it keeps the last value.
 */
export function latestStore<T>(source: Observable<T>, initial: T): ExternalStore<T> {
  let value = initial;
  let watched = false;
  const changes = new Observable<void>((subscriber) => {
    watched = true;
    const inner = source.subscribe((next) => {
      value = next;
      subscriber.next();
    });
    return () => {
      watched = false;
      inner.unsubscribe();
    };
  });
  return changeStore(changes, () => {
    if (!watched) source.subscribe((next) => (value = next)).unsubscribe();
    return value;
  });
}

/** One store per (client, name), made on first use. */
export function storeCache<C extends object>() {
  const stores = new WeakMap<C, Map<string, ExternalStore<unknown>>>();
  return <T>(client: C, name: string, make: () => ExternalStore<T>): ExternalStore<T> => {
    let own = stores.get(client);
    if (!own) stores.set(client, (own = new Map()));
    let store = own.get(name) as ExternalStore<T> | undefined;
    if (!store) own.set(name, (store = make()));
    return store;
  };
}
