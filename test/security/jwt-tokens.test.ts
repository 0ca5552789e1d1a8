/**
 * Tokens minted without createToken(): by hand with node:crypto and with jose, also RS256, ES256
 * and EdDSA against a server's tokenPublicKey (docs/backend.md, Tokens). Every rule of the
 * verifier is checked on them: the pinned algorithms, the binding to app/channel/uid, the time
 * bounds and the grant claims.
 */
import { createHmac, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { createJwtVerifier } from '../../server/token-verify.js';
import { startServer } from '../../server/index.js';
import { CERT } from './helpers.js';

const ASKED = { appId: 'shop', channel: 'room-1', uid: 42 };
const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
const nowS = (): number => Math.floor(Date.now() / 1000);
const claims = (extra: Record<string, unknown> = {}) => ({ app: 'shop', channel: 'room-1', uid: 42, iat: nowS(), exp: nowS() + 600, ...extra });

/** An HS256 JWT built by hand from RFC 7519, with the secret given. */
function handHs256(payload: unknown, secret = CERT, header: Record<string, unknown> = { alg: 'HS256', typ: 'JWT' }): string {
  const part = `${b64(header)}.${b64(payload)}`;
  return `${part}.${createHmac('sha256', secret).update(part).digest('base64url')}`;
}

const joseSign = (payload: Record<string, unknown>, alg: string, key: KeyObject | Uint8Array) =>
  new SignJWT(payload).setProtectedHeader({ alg, typ: 'JWT' }).sign(key);

const pem = (key: KeyObject): string => key.export({ type: 'spki', format: 'pem' }).toString();
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const ed = generateKeyPairSync('ed25519');

describe('HS256 tokens minted by hand and with jose', () => {
  const verify = createJwtVerifier({ appCertificate: CERT });

  it('a hand-made token and a jose one are accepted, with their claims', async () => {
    expect(await verify(handHs256(claims()), ASKED)).toMatchObject({ ok: true, grants: { role: null, canPublish: true, attributes: {} } });
    const viaJose = await joseSign(claims({ role: 'audience', canPublish: false, attributes: { name: 'Ada' } }), 'HS256', new TextEncoder().encode(CERT));
    expect(await verify(viaJose, ASKED)).toMatchObject({ ok: true, grants: { role: 'audience', canPublish: false, attributes: { name: 'Ada' } } });
  });

  it.each([
    ['another app', { app: 'other' }],
    ['another channel', { channel: 'room-2' }],
    ['another uid', { uid: 43 }],
    ['the uid as a string', { uid: '42' }],
    ['no exp', { exp: undefined }],
    ['an exp that is no number', { exp: 'tomorrow' }],
    ['an unknown role', { role: 'admin' }],
    ['a canPublish that is no boolean', { canPublish: 1 }],
    ['attributes that are not strings', { attributes: { n: 1 } }],
  ])('%s is INVALID_TOKEN', async (_name, extra) => {
    expect(await verify(handHs256(claims(extra)), ASKED)).toMatchObject({ ok: false, code: 'INVALID_TOKEN' });
  });

  it('uid 0 admits any uid, numeric or string', async () => {
    const any = handHs256(claims({ uid: 0 }));
    expect((await verify(any, { ...ASKED, uid: 7 })).ok).toBe(true);
    expect((await verify(any, { ...ASKED, uid: 'alice' })).ok).toBe(true);
    expect((await verify(handHs256(claims({ uid: 'alice' })), { ...ASKED, uid: 'alice' })).ok).toBe(true);
  });

  it('expired or not yet valid is TOKEN_EXPIRED', async () => {
    expect(await verify(handHs256(claims({ exp: nowS() - 1 })), ASKED)).toMatchObject({ ok: false, code: 'TOKEN_EXPIRED' });
    expect(await verify(handHs256(claims({ exp: nowS() - 3600 })), ASKED)).toMatchObject({ ok: false, code: 'TOKEN_EXPIRED' });
    expect(await verify(handHs256(claims({ nbf: nowS() + 60 })), ASKED)).toMatchObject({ ok: false, code: 'TOKEN_EXPIRED', message: 'token is not valid yet' });
    expect((await verify(handHs256(claims({ nbf: nowS() - 60 })), ASKED)).ok).toBe(true);
  });

  it('alg none, other HMAC algorithms and a wrong secret are INVALID_TOKEN', async () => {
    const unsigned = `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims())}.`;
    expect(await verify(unsigned, ASKED)).toMatchObject({ ok: false, code: 'INVALID_TOKEN' });
    const hs512 = await joseSign(claims(), 'HS512', new TextEncoder().encode(CERT));
    expect(await verify(hs512, ASKED)).toMatchObject({ ok: false, code: 'INVALID_TOKEN', message: 'token algorithm is not allowed' });
    expect(await verify(handHs256(claims(), 'another-secret'), ASKED)).toMatchObject({ ok: false, code: 'INVALID_TOKEN', message: 'token signature does not match' });
  });

  it('an asymmetric token is refused by a server without a public key', async () => {
    expect(await verify(await joseSign(claims(), 'RS256', rsa.privateKey), ASKED)).toMatchObject({ ok: false, code: 'INVALID_TOKEN' });
  });
});

describe('tokenPublicKey: RS256, ES256 and EdDSA', () => {
  it.each([
    ['RS256', rsa],
    ['ES256', ec],
    ['EdDSA', ed],
  ] as const)('%s tokens signed with the private key verify; another key pair does not', async (alg, pair) => {
    const verify = createJwtVerifier({ appCertificate: CERT, tokenPublicKey: pem(pair.publicKey) });
    expect(await verify(await joseSign(claims({ canPublish: false }), alg, pair.privateKey), ASKED)).toMatchObject({ ok: true, grants: { canPublish: false } });
    // HS256 with the certificate still works beside it.
    expect((await verify(handHs256(claims()), ASKED)).ok).toBe(true);
    const other = alg === 'RS256' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : alg === 'ES256' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('ed25519');
    expect(await verify(await joseSign(claims(), alg, other.privateKey), ASKED)).toMatchObject({ ok: false, code: 'INVALID_TOKEN' });
    expect(await verify(await joseSign(claims({ exp: nowS() - 5 }), alg, pair.privateKey), ASKED)).toMatchObject({ ok: false, code: 'TOKEN_EXPIRED' });
  });

  it('an HMAC token signed with the public key as its secret is INVALID_TOKEN (algorithm confusion)', async () => {
    const publicPem = pem(rsa.publicKey);
    for (const keys of [{ tokenPublicKey: publicPem }, { appCertificate: CERT, tokenPublicKey: publicPem }]) {
      const verify = createJwtVerifier(keys);
      expect(await verify(handHs256(claims(), publicPem), ASKED)).toMatchObject({ ok: false, code: 'INVALID_TOKEN' });
      expect(await verify(handHs256(claims(), publicPem, { alg: 'RS256', typ: 'JWT' }), ASKED)).toMatchObject({ ok: false, code: 'INVALID_TOKEN' });
    }
  });

  it('only the algorithm of the key is allowed: an ES256 token against an RSA key is INVALID_TOKEN', async () => {
    const verify = createJwtVerifier({ tokenPublicKey: pem(rsa.publicKey) });
    expect(await verify(await joseSign(claims(), 'ES256', ec.privateKey), ASKED)).toMatchObject({ ok: false, code: 'INVALID_TOKEN', message: 'token algorithm is not allowed' });
    expect(await verify(handHs256(claims()), ASKED)).toMatchObject({ ok: false, code: 'INVALID_TOKEN', message: 'token algorithm is not allowed' });
  });

  it('the key may be a path to a PEM file; an unusable key is INVALID_PARAMS at start', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'cl-key-')), 'public.pem');
    writeFileSync(file, pem(ed.publicKey));
    const verify = createJwtVerifier({ tokenPublicKey: file });
    expect((await verify(await joseSign(claims(), 'EdDSA', ed.privateKey), ASKED)).ok).toBe(true);
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' });
    for (const tokenPublicKey of ['-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----\n', '/nonexistent/key.pem', pem(p384.publicKey)]) {
      await expect(startServer({ port: 0, logLevel: 'silent', tokenPublicKey })).rejects.toMatchObject({ code: 'INVALID_PARAMS' });
    }
  });
});
