/**
 * Signed tokens: `createToken()` for an app backend, `verifyToken()` for the server.
 *
 * Format: `cl1.<payload>.<signature>`, both parts base64url; the payload is the JSON object
 * `{ a: appId, c: channel, u: uid, i: issuedAt ms, e: expiresAt ms }`, the signature is
 * HMAC-SHA256(appCertificate, "cl1.<payload>"), compared in constant time. A token is bound to
 * one app, one channel and one uid (number 1 and string "1" differ); uid 0 is the wildcard
 * "any uid" (as in Agora: for clients that let the server assign their uid).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { ChannelLinkError } from '../src/errors.js';
import { MAX_NUMERIC_UID } from '../src/protocol.js';
import { validateChannelName } from '../src/validation.js';
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
  /** Issue time in epoch ms. Default Date.now(). */
  now?: number;
}

export interface TokenClaims {
  appId: string;
  channel: string;
  uid: Uid;
}

export type TokenCheck =
  | { ok: true; /** Epoch ms when the token expires, or null if it does not. */ expiresAt: number | null }
  | { ok: false; code: 'INVALID_TOKEN' | 'TOKEN_EXPIRED'; message: string };

const VERSION = 'cl1';
const MAX_TOKEN_LENGTH = 2047; // the protocol's bound
const MAX_LIFETIME_S = 10 * 365 * 24 * 3600;
const SIGNATURE_BYTES = 32;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

const invalidParams = (message: string): never => {
  throw new ChannelLinkError('INVALID_PARAMS', message);
};

function isUid(uid: unknown): uid is Uid {
  if (typeof uid === 'number') return Number.isInteger(uid) && uid >= 0 && uid <= MAX_NUMERIC_UID;
  return typeof uid === 'string' && uid.length >= 1 && uid.length <= 255;
}

function sign(appCertificate: string, signedPart: string): Buffer {
  return createHmac('sha256', appCertificate).update(signedPart).digest();
}

/** Issues a token. Throws ChannelLinkError INVALID_PARAMS on a bad argument. */
export function createToken(options: CreateTokenOptions): string {
  const { appId, appCertificate, channel, uid, expiresInSeconds } = options;
  if (typeof appId !== 'string' || appId.length < 1 || appId.length > 128) invalidParams('appId must be 1-128 characters');
  if (typeof appCertificate !== 'string' || appCertificate.length === 0) invalidParams('appCertificate must be a non-empty string');
  // The client's rule, in the client's words.
  validateChannelName(channel);
  if (!isUid(uid)) invalidParams('uid must be an integer 0..2^32-1 or a string of 1-255 characters');
  if (typeof expiresInSeconds !== 'number' || !(expiresInSeconds > 0) || expiresInSeconds > MAX_LIFETIME_S) {
    invalidParams(`expiresInSeconds must be a number > 0 and <= ${MAX_LIFETIME_S}`);
  }
  const now = options.now ?? Date.now();
  if (!Number.isFinite(now)) invalidParams('now must be a finite number of epoch ms');
  const claims = { a: appId, c: channel, u: uid, i: Math.floor(now), e: Math.floor(now + expiresInSeconds * 1000) };
  const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
  const signedPart = `${VERSION}.${payload}`;
  const token = `${signedPart}.${sign(appCertificate, signedPart).toString('base64url')}`;
  if (token.length > MAX_TOKEN_LENGTH) invalidParams(`the token would be ${token.length} characters, over ${MAX_TOKEN_LENGTH}`);
  return token;
}

const invalid = (message: string): TokenCheck => ({ ok: false, code: 'INVALID_TOKEN', message });

interface Payload {
  a: string;
  c: string;
  u: Uid;
  e: number;
}

function parsePayload(encoded: string): Payload | null {
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  if (typeof raw !== 'object' || raw === null) return null;
  const p = raw as Record<string, unknown>;
  if (typeof p.a !== 'string' || typeof p.c !== 'string' || !isUid(p.u) || typeof p.e !== 'number' || !Number.isFinite(p.e)) return null;
  return { a: p.a, c: p.c, u: p.u, e: p.e };
}

/**
 * Checks a token against the app certificate and what the client asks for. Nothing about the
 * token is trusted (not even its JSON) until its signature has been checked.
 */
export function verifyToken(token: string | null, appCertificate: string, claims: TokenClaims, now = Date.now()): TokenCheck {
  if (token === null) return invalid('a token is required');
  if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH) return invalid('malformed token');
  const parts = token.split('.');
  if (parts.length !== 3 || parts[0] !== VERSION) return invalid('malformed token');
  const [version, payload, signature] = parts as [string, string, string];
  if (!BASE64URL.test(payload) || !BASE64URL.test(signature)) return invalid('malformed token');
  const given = Buffer.from(signature, 'base64url');
  // Length and canonical encoding are public facts of the format; only the bytes need constant time.
  if (given.length !== SIGNATURE_BYTES || given.toString('base64url') !== signature) return invalid('malformed token');
  if (!timingSafeEqual(given, sign(appCertificate, `${version}.${payload}`))) return invalid('token signature does not match');

  const body = parsePayload(payload);
  if (!body) return invalid('malformed token payload');
  if (body.a !== claims.appId) return invalid('token was issued for another app');
  if (body.c !== claims.channel) return invalid('token was issued for another channel');
  if (body.u !== 0 && body.u !== claims.uid) return invalid('token was issued for another uid');
  if (now >= body.e) return { ok: false, code: 'TOKEN_EXPIRED', message: 'token has expired' };
  return { ok: true, expiresAt: body.e };
}
