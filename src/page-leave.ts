/**
 * The page events behind `leaveOnPageHide` (docs/behaviour.md, Leaving the page): closing a tab or navigating away is a
 * departure. On `pagehide` the client leaves with a one-way signal to the engine, which puts the
 * leave frame on the wire in the task the signal arrives in, since the worker may be torn down
 * right after. (`pagehide`, not `beforeunload`, which fires for navigations that are then
 * cancelled and not for pages going into the back/forward cache.) On `pageshow` with `persisted`
 * (restored from the back/forward cache) the client joins again. The client does both
 * (client.ts); this module only finds the events.
 */

/** Calls `hide` on `pagehide` and `show(persisted)` on `pageshow`; returns the function that stops. */
export type PageLifecycle = (hide: () => void, show: (persisted: boolean) => void) => () => void;

/** The events as fired on `target` (the window, or a stand-in in tests). */
export const eventTargetPageLifecycle =
  (target: EventTarget): PageLifecycle =>
  (hide, show) => {
    const onShow = (event: Event) => show((event as Event & { persisted?: boolean }).persisted === true);
    target.addEventListener('pagehide', hide);
    target.addEventListener('pageshow', onShow);
    return () => {
      target.removeEventListener('pagehide', hide);
      target.removeEventListener('pageshow', onShow);
    };
  };

/** The window's page lifecycle, or null where there is no page (a worker, Node). */
export const windowPageLifecycle = (): PageLifecycle | null =>
  typeof document === 'object' && typeof addEventListener === 'function' ? eventTargetPageLifecycle(globalThis as unknown as EventTarget) : null;
