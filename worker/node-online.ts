/**
 * Node has no `online` event: poll the network interfaces and signal when a non-internal
 * interface appears where there was none (a laptop rejoining Wi-Fi, a container's link coming up).
 */
import { networkInterfaces } from 'node:os';
import type { OnlineSource } from './env.js';

const hasExternalInterface = (): boolean =>
  Object.values(networkInterfaces()).some((list) => list?.some((net) => !net.internal));

export function nodeOnlineSource(pollMs = 2000): OnlineSource {
  return {
    subscribe(listener) {
      let wasOnline = hasExternalInterface();
      const timer = setInterval(() => {
        const online = hasExternalInterface();
        if (online && !wasOnline) listener();
        wasOnline = online;
      }, pollMs);
      timer.unref();
      return () => clearInterval(timer);
    },
  };
}
