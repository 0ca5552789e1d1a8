/** The events a server POSTs to its webhook URLs (docs/backend.md, Webhooks), and how one is made. */
import { randomBytes } from 'node:crypto';
import type { Uid } from '../src/types.js';
import type { ClientRole } from '../src/wire-words.js';

export const WEBHOOK_EVENT_TYPES = [
  'channel-created',
  'channel-destroyed',
  'member-joined',
  'member-left',
  'member-role-changed',
  'stream-published',
  'stream-unpublished',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

export interface WebhookEvent {
  /** Unique per event: a receiver drops repeats by it (delivery is at least once). */
  id: string;
  type: WebhookEventType;
  appId: string;
  channel: string;
  uid?: Uid;
  role?: ClientRole;
  /** member-left: QUIT, SERVER_TIMEOUT, KICKED (or BECOME_AUDIENCE never: that is member-role-changed); stream-unpublished: UNPUBLISHED, NO_DATA, PEER_LEFT. */
  reason?: string;
  streamId?: string;
  attributes?: Readonly<Record<string, string>>;
  /** When the server decided it, epoch ms. */
  at: number;
}

/** What a caller says of an event: the rest (id, time) is filled in. */
export type WebhookFacts = Omit<WebhookEvent, 'id' | 'at'>;

export const webhookEvent = (facts: WebhookFacts, at = Date.now()): WebhookEvent => ({ id: randomBytes(12).toString('hex'), ...facts, at });
