/**
 * Webhook signatures (docs/backend.md, Webhooks): `Channel-Link-Signature: t=<unix seconds>,
 * v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`. `verifyWebhook()` is what a receiver calls on
 * the raw body it got: it returns the event, or throws ChannelLinkError INVALID_SIGNATURE.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { ChannelLinkError } from '../src/errors.js';
import { WEBHOOK_EVENT_TYPES, type WebhookEvent } from './webhook-events.js';

export const SIGNATURE_HEADER = 'Channel-Link-Signature';

const hmac = (secret: string, t: number, body: string | Buffer): Buffer =>
  createHmac('sha256', secret).update(`${t}.`).update(body).digest();

/** The header value for this body, signed at `t` (unix seconds). */
export function signWebhook(rawBody: string | Buffer, secret: string, t = Math.floor(Date.now() / 1000)): string {
  return `t=${t},v1=${hmac(secret, t, rawBody).toString('hex')}`;
}

export interface VerifyWebhookOptions {
  /** How far the signature's time may be from now, either way. Default 300 s. */
  toleranceSeconds?: number;
  /** Now, in epoch ms (tests). Default Date.now(). */
  now?: number;
}

const refuse = (message: string): never => {
  throw new ChannelLinkError('INVALID_SIGNATURE', message);
};

/** The event of a webhook request whose signature is good, fresh and for this body; INVALID_SIGNATURE otherwise. */
export function verifyWebhook(rawBody: string | Buffer, signatureHeader: string | null | undefined, secret: string, options: VerifyWebhookOptions = {}): WebhookEvent {
  const { toleranceSeconds = 300, now = Date.now() } = options;
  if (typeof secret !== 'string' || secret === '') throw new ChannelLinkError('INVALID_PARAMS', 'verifyWebhook needs the webhook secret');
  if (typeof rawBody !== 'string' && !Buffer.isBuffer(rawBody)) return refuse('the raw body must be a string or a Buffer (read it before any JSON parser)');
  if (typeof signatureHeader !== 'string' || signatureHeader.length > 1024) return refuse(`missing ${SIGNATURE_HEADER} header`);
  const parts = new Map<string, string[]>();
  for (const part of signatureHeader.split(',')) {
    const at = part.indexOf('=');
    if (at < 1) return refuse(`malformed ${SIGNATURE_HEADER} header`);
    const name = part.slice(0, at).trim();
    parts.set(name, [...(parts.get(name) ?? []), part.slice(at + 1).trim()]);
  }
  const tText = parts.get('t');
  if (tText?.length !== 1 || !/^\d{1,12}$/.test(tText[0]!)) return refuse(`malformed ${SIGNATURE_HEADER} header: no t=<unix seconds>`);
  const t = Number(tText[0]);
  if (Math.abs(now / 1000 - t) > toleranceSeconds) return refuse(`signature timestamp is more than ${toleranceSeconds} s away from now`);
  const expected = hmac(secret, t, rawBody);
  // Several v1 values may be present (a rotation): any one that matches will do.
  const matches = (parts.get('v1') ?? []).some((hex) => /^[0-9a-f]{64}$/i.test(hex) && timingSafeEqual(Buffer.from(hex, 'hex'), expected));
  if (!matches) return refuse('signature does not match');
  let event: unknown;
  try {
    event = JSON.parse(rawBody.toString());
  } catch {
    return refuse('signed body is not JSON');
  }
  const e = event as Record<string, unknown> | null;
  if (typeof e !== 'object' || e === null || typeof e.id !== 'string' || !(WEBHOOK_EVENT_TYPES as readonly unknown[]).includes(e.type) || typeof e.appId !== 'string' || typeof e.channel !== 'string' || typeof e.at !== 'number') {
    return refuse('signed body is not a channel-link event');
  }
  return event as WebhookEvent;
}
