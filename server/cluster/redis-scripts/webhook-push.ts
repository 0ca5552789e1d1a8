import { defineScript } from './script.js';

/** Queues a webhook body for one URL: the queue's length after, and whether it was full (the event dropped). */
export const webhookPush = defineScript<{ queue: string; body: string; limit: number }, { length: number; dropped: boolean }>('webhook-push', {
  keys: (c) => [c.queue],
  argv: (c) => [c.body, c.limit],
  decode: (reply) => {
    const n = Number(reply);
    return { length: Math.abs(n), dropped: n < 0 };
  },
});
