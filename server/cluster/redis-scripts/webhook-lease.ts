import { defineScript } from './script.js';

export type LeaseAction = 'take' | 'renew' | 'yield' | 'drop';
export type LeaseState = 'held' | 'free' | 'other';

/** Takes, renews or gives up the lease of one URL's queue (webhook-lease.lua says when each applies). */
export const webhookLease = defineScript<{ lease: string; queue: string; holder: string; action: LeaseAction; ms: number }, LeaseState>('webhook-lease', {
  keys: (c) => [c.lease, c.queue],
  argv: (c) => [c.holder, c.action, c.ms],
  decode: (reply) => reply as LeaseState,
});
