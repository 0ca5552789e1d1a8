import { defineScript } from './script.js';

/** Takes a delivered (or given up) body off the head of its queue; the queue's length after. */
export const webhookDelivered = defineScript<{ queue: string; body: string }, number>('webhook-delivered', {
  keys: (c) => [c.queue],
  argv: (c) => [c.body],
  decode: (reply) => Number(reply),
});
