/**
 * Checks JWTs with `jose`, algorithms pinned (docs/backend.md, Tokens): HS256 with the app
 * certificate; with a public key also the one asymmetric algorithm that key is for (RS256, ES256
 * or EdDSA). `none`, any other algorithm, a bad signature, a claim of the wrong type or a wrong
 * app/channel/uid is INVALID_TOKEN; expired or not yet valid is TOKEN_EXPIRED. Nothing in the
 * token is read before its signature is checked (jose verifies first).
 */
import { createHmac, createPublicKey, createSecretKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { errors, jwtVerify, type JWSHeaderParameters, type JWTPayload } from 'jose';
import { ChannelLinkError } from '../src/errors.js';
import { validateAttributes } from '../src/validation.js';
import { CLIENT_ROLES, type ClientRole } from '../src/wire-words.js';
import { isUid, MAX_TOKEN_LENGTH, type TokenCheck, type TokenClaims, type TokenGrants } from './tokens.js';

/** The keys a server checks tokens with: the shared secret, a backend's public key, or both. */
export interface TokenKeys {
  appCertificate?: string | undefined;
  /** A PEM public key (SPKI), or a path to a PEM file. */
  tokenPublicKey?: string | Buffer | undefined;
}

type Algorithm = 'HS256' | 'RS256' | 'ES256' | 'EdDSA';

const invalidParams = (message: string): never => {
  throw new ChannelLinkError('INVALID_PARAMS', message);
};

function readPem(value: string | Buffer): string | Buffer {
  if (Buffer.isBuffer(value) || value.includes('-----BEGIN')) return value;
  try {
    return readFileSync(value);
  } catch (err) {
    return invalidParams(`tokenPublicKey: cannot read ${value} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}

/** The public key and its one algorithm; INVALID_PARAMS for a key that is none of RSA, P-256 or Ed25519. */
export function loadPublicKey(value: string | Buffer): { key: KeyObject; alg: Algorithm } {
  if ((typeof value !== 'string' && !Buffer.isBuffer(value)) || value.length === 0) return invalidParams('tokenPublicKey must be PEM text or a path to a PEM file');
  let key: KeyObject;
  try {
    key = createPublicKey(readPem(value));
  } catch (err) {
    return invalidParams(`tokenPublicKey is not a usable public key: ${(err as Error).message}`);
  }
  const type = key.asymmetricKeyType;
  if (type === 'rsa') return { key, alg: 'RS256' };
  if (type === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return { key, alg: 'ES256' };
  if (type === 'ed25519') return { key, alg: 'EdDSA' };
  return invalidParams(`tokenPublicKey must be an RSA, EC P-256 or Ed25519 public key (got ${type ?? 'unknown'})`);
}

const invalid = (message: string): TokenCheck => ({ ok: false, code: 'INVALID_TOKEN', message });

/** jose's verdicts in the two codes of the contract. */
function verdictOf(error: unknown): TokenCheck {
  if (error instanceof errors.JWTExpired) return { ok: false, code: 'TOKEN_EXPIRED', message: 'token has expired' };
  if (error instanceof errors.JWTClaimValidationFailed && error.claim === 'nbf' && error.reason === 'check_failed') {
    return { ok: false, code: 'TOKEN_EXPIRED', message: 'token is not valid yet' };
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) return invalid('token signature does not match');
  if (error instanceof errors.JOSEAlgNotAllowed) return invalid('token algorithm is not allowed');
  if (error instanceof errors.JWTClaimValidationFailed) return invalid(`malformed token claim ${error.claim}`);
  return invalid('malformed token');
}

/** The grant claims, checked (a signed token with claims of the wrong type is refused). */
function grantsOf(payload: JWTPayload): TokenGrants | string {
  const { role, canPublish, attributes } = payload as Record<string, unknown>;
  if (role !== undefined && !(CLIENT_ROLES as readonly unknown[]).includes(role)) return 'malformed token claim role';
  if (canPublish !== undefined && typeof canPublish !== 'boolean') return 'malformed token claim canPublish';
  let fixed: Record<string, string> = {};
  if (attributes !== undefined) {
    try {
      fixed = validateAttributes(attributes, 'token attributes');
    } catch {
      return 'malformed token claim attributes';
    }
  }
  return { role: (role as ClientRole | undefined) ?? null, canPublish: canPublish ?? true, attributes: Object.freeze(fixed) };
}

/**
 * Claims checks after the signature: the binding to app, channel and uid, and the exact time
 * bounds (jose counts whole seconds, so it is given a second of tolerance and the bounds are
 * checked here to the millisecond).
 */
function checkClaims(payload: JWTPayload, claims: TokenClaims, now: number): TokenCheck {
  const { app, channel, uid, exp, nbf } = payload as Record<string, unknown>;
  if (typeof app !== 'string' || typeof channel !== 'string' || !isUid(uid) || typeof exp !== 'number') return invalid('malformed token payload');
  if (app !== claims.appId) return invalid('token was issued for another app');
  if (channel !== claims.channel) return invalid('token was issued for another channel');
  // Number 1 and string "1" are different uids; number 0 admits any.
  if (uid !== 0 && uid !== claims.uid) return invalid('token was issued for another uid');
  if (now >= exp * 1000) return { ok: false, code: 'TOKEN_EXPIRED', message: 'token has expired' };
  if (typeof nbf === 'number' && now < nbf * 1000) return { ok: false, code: 'TOKEN_EXPIRED', message: 'token is not valid yet' };
  const grants = grantsOf(payload);
  if (typeof grants === 'string') return invalid(grants);
  return { ok: true, expiresAt: Math.round(exp * 1000), grants };
}

export type JwtVerifier = (token: string | null, claims: TokenClaims, now?: number) => Promise<TokenCheck>;

/** A verifier for these keys; INVALID_PARAMS if neither is set or the public key is unusable. */
export function createJwtVerifier(keys: TokenKeys): JwtVerifier {
  const secret = keys.appCertificate ? createSecretKey(Buffer.from(keys.appCertificate, 'utf8')) : null;
  const pub = keys.tokenPublicKey === undefined ? null : loadPublicKey(keys.tokenPublicKey);
  if (!secret && !pub) return invalidParams('tokens need an appCertificate or a tokenPublicKey');
  const algorithms: Algorithm[] = [...(secret ? ['HS256' as const] : []), ...(pub ? [pub.alg] : [])];
  // The key follows the pinned algorithm: an HS256 token is checked with the secret only, never with the public key's bytes.
  // (jose refuses an algorithm outside the list before it asks for a key.)
  const keyFor = (header: JWSHeaderParameters): KeyObject => (header.alg === 'HS256' ? secret : pub?.key)!;

  const verify: JwtVerifier = async (token, claims, now = Date.now()) => {
    if (token === null) return invalid('a token is required');
    if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH) return invalid('malformed token');
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, keyFor, { algorithms, currentDate: new Date(now), clockTolerance: 1, requiredClaims: ['exp'] }));
    } catch (error) {
      return verdictOf(error);
    }
    return checkClaims(payload, claims, now);
  };
  // jose's first verifications cost tens of ms (the key's import, the code's first runs): pay
  // them now, off any join, with throwaway tokens (their verdicts are ignored): one signed with the
  // secret, so the whole path runs, and one of each algorithm.
  const part = `${b64url({ alg: 'HS256', typ: 'JWT' })}.${b64url({ app: '', channel: '', uid: 0, exp: 1 })}`;
  const warmUps = [
    ...(keys.appCertificate ? [`${part}.${createHmac('sha256', keys.appCertificate).update(part).digest('base64url')}`] : []),
    ...algorithms.map((alg) => `${b64url({ alg, typ: 'JWT' })}.${b64url({ exp: 1 })}.AAAA`),
  ];
  void warmUps.reduce((done, token) => done.then(() => verify(token, WARM_UP)), Promise.resolve<unknown>(undefined));
  return verify;
}

const b64url = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
const WARM_UP: TokenClaims = { appId: '', channel: '', uid: 0 };

/** Checks one token against the app certificate and what the client asks for (HS256 only). */
export function verifyToken(token: string | null, appCertificate: string, claims: TokenClaims, now = Date.now()): Promise<TokenCheck> {
  return createJwtVerifier({ appCertificate })(token, claims, now);
}
