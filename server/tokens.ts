/**
 * Tokens are JWTs (docs/backend.md, Tokens): `createToken()` mints one signed HS256 with the app
 * certificate, as any JWT library can; token-verify.ts checks them. Claims: `app`, `channel`,
 * `uid` (number or string, exactly as joined; 0 admits any uid), `iat`, `exp` (seconds), and the
 * optional grants `nbf`, `role`, `canPublish`, `attributes`.
 *
 * Minting needs no library: the header and claims are JSON, base64url-encoded, and the signature
 * is HMAC-SHA256 over "<header>.<claims>" (RFC 7519), so this stays synchronous.
 */
import { createHmac } from 'node:crypto';
import { ChannelLinkError } from '../src/errors.js';
import { MAX_NUMERIC_UID } from '../src/protocol.js';
import { validateAttributes, validateChannelName } from '../src/validation.js';
import { CLIENT_ROLES, type ClientRole } from '../src/wire-words.js';
import type { Uid } from '../src/types.js';

export interface CreateTokenOptions {
  appId: string;
  /** The secret shared with the server (`appCertificate` / `--app-certificate`). */
  appCertificate: string;
  channel: string;
  /** The uid the token admits; 0 admits any uid. */
  uid: Uid;
  /** Lifetime in seconds (fractions allowed), at most ten years. */
  expiresInSeconds: number;
  /** The only role the token admits; absent: either. */
  role?: ClientRole;
  /** false: the member may not publish. Default true. */
  canPublish?: boolean;
  /** Attributes the backend fixes: the member has these values for these keys, and cannot change them. */
  attributes?: Record<string, string>;
  /** Not valid before this many seconds from the issue time (the `nbf` claim). */
  notBeforeSeconds?: number;
  /** Issue time in epoch ms. Default Date.now(). */
  now?: number;
}

/** What the client asks for: a token admits one app, one channel and one uid (or any uid). */
export interface TokenClaims {
  appId: string;
  channel: string;
  uid: Uid;
}

/** What a valid token allows the member (an open server allows everything). */
export interface TokenGrants {
  /** The only role allowed, or null: either. */
  readonly role: ClientRole | null;
  readonly canPublish: boolean;
  /** Keys and values fixed by the backend. */
  readonly attributes: Readonly<Record<string, string>>;
}

export type TokenCheck =
  | {
      ok: true;
      /** Epoch ms when the token expires, or null if it does not. */ expiresAt: number | null;
      /** What it allows; absent (a custom verifier): everything. */ grants?: TokenGrants;
    }
  | { ok: false; code: 'INVALID_TOKEN' | 'TOKEN_EXPIRED'; message: string };

/** The grants of an open server, or of a custom verifier that names none. */
export const OPEN_GRANTS: TokenGrants = Object.freeze({ role: null, canPublish: true, attributes: Object.freeze({}) });

export const MAX_TOKEN_LENGTH = 2047; // the protocol's bound
export const MAX_LIFETIME_S = 10 * 365 * 24 * 3600;
const HEADER = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');

const invalidParams = (message: string): never => {
  throw new ChannelLinkError('INVALID_PARAMS', message);
};

export function isUid(uid: unknown): uid is Uid {
  if (typeof uid === 'number') return Number.isInteger(uid) && uid >= 0 && uid <= MAX_NUMERIC_UID;
  return typeof uid === 'string' && uid.length >= 1 && uid.length <= 255;
}

/** Seconds with at most millisecond precision (a JWT NumericDate may have a fraction). */
const seconds = (ms: number): number => Math.floor(ms) / 1000;

/** The optional claims, checked: only those given. */
function grantClaims(options: CreateTokenOptions): Record<string, unknown> {
  const { role, canPublish, attributes } = options;
  if (role !== undefined && !(CLIENT_ROLES as readonly unknown[]).includes(role)) invalidParams(`role must be one of ${CLIENT_ROLES.join(', ')}`);
  if (canPublish !== undefined && typeof canPublish !== 'boolean') invalidParams('canPublish must be a boolean');
  return {
    ...(role === undefined ? {} : { role }),
    ...(canPublish === undefined ? {} : { canPublish }),
    // The client's rule for attributes, in the client's words (INVALID_PARAMS).
    ...(attributes === undefined ? {} : { attributes: validateAttributes(attributes, 'token attributes') }),
  };
}

/** Issues an HS256 JWT. Throws ChannelLinkError INVALID_PARAMS on a bad argument. */
export function createToken(options: CreateTokenOptions): string {
  const { appId, appCertificate, channel, uid, expiresInSeconds, notBeforeSeconds } = options;
  if (typeof appId !== 'string' || appId.length < 1 || appId.length > 128) invalidParams('appId must be 1-128 characters');
  if (typeof appCertificate !== 'string' || appCertificate.length === 0) invalidParams('appCertificate must be a non-empty string');
  validateChannelName(channel);
  if (!isUid(uid)) invalidParams('uid must be an integer 0..2^32-1 or a string of 1-255 characters');
  if (typeof expiresInSeconds !== 'number' || !(expiresInSeconds > 0) || expiresInSeconds > MAX_LIFETIME_S) {
    invalidParams(`expiresInSeconds must be a number > 0 and <= ${MAX_LIFETIME_S}`);
  }
  if (notBeforeSeconds !== undefined && (typeof notBeforeSeconds !== 'number' || !Number.isFinite(notBeforeSeconds) || notBeforeSeconds < 0)) {
    invalidParams('notBeforeSeconds must be a number >= 0');
  }
  const now = options.now ?? Date.now();
  if (!Number.isFinite(now)) invalidParams('now must be a finite number of epoch ms');
  const claims = {
    app: appId,
    channel,
    uid,
    iat: Math.floor(now / 1000),
    exp: seconds(now + expiresInSeconds * 1000),
    ...(notBeforeSeconds === undefined ? {} : { nbf: seconds(now + notBeforeSeconds * 1000) }),
    ...grantClaims(options),
  };
  const signedPart = `${HEADER}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  const token = `${signedPart}.${createHmac('sha256', appCertificate).update(signedPart).digest('base64url')}`;
  if (token.length > MAX_TOKEN_LENGTH) invalidParams(`the token would be ${token.length} characters, over ${MAX_TOKEN_LENGTH}`);
  return token;
}
