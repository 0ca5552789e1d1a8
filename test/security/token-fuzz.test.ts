/**
 * The token verifier on hostile input (docs/backend.md, Tokens): whatever the string, including
 * correctly signed JWTs whose header and claims are arbitrary JSON, it answers a verdict (never
 * throws) and every refusal is INVALID_TOKEN or TOKEN_EXPIRED.
 */
import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createJwtVerifier } from '../../server/token-verify.js';
import { CERT, token } from './helpers.js';
import { arbHostileValue } from './frame-arbitraries.js';

const RUNS = Number(process.env.FUZZ_PROPERTY_RUNS ?? 500);
const verify = createJwtVerifier({ appCertificate: CERT });
const ASKED = { appId: 'test', channel: 'room', uid: 7 };
const b64 = (value: string): string => Buffer.from(value).toString('base64url');

async function onlyTheTwoCodes(tok: string): Promise<void> {
  const verdict = await verify(tok, ASKED);
  if (!verdict.ok) expect(['INVALID_TOKEN', 'TOKEN_EXPIRED']).toContain(verdict.code);
}

const signed = (header: string, payload: string): string => {
  const part = `${b64(header)}.${b64(payload)}`;
  return `${part}.${createHmac('sha256', CERT).update(part).digest('base64url')}`;
};

describe('token verifier fuzz', () => {
  it('any string', async () => {
    await fc.assert(fc.asyncProperty(fc.string({ maxLength: 3000 }), onlyTheTwoCodes), { numRuns: RUNS });
  });

  it('a valid token with characters replaced, cut or added', async () => {
    const good = token('room', 7);
    const arbEdit = fc.tuple(fc.nat({ max: good.length }), fc.nat({ max: 8 }), fc.string({ maxLength: 8 }));
    await fc.assert(fc.asyncProperty(arbEdit, ([at, cut, insert]) => onlyTheTwoCodes(good.slice(0, at) + insert + good.slice(at + cut))), { numRuns: RUNS });
  });

  it('correctly signed tokens whose header and claims are arbitrary JSON values', async () => {
    const arbClaims = fc.record(
      { app: fc.oneof(fc.constant('test'), arbHostileValue), channel: fc.oneof(fc.constant('room'), arbHostileValue), uid: fc.oneof(fc.constant(7), fc.constant(0), arbHostileValue), exp: arbHostileValue, nbf: arbHostileValue, role: arbHostileValue, canPublish: arbHostileValue, attributes: arbHostileValue },
      { requiredKeys: [] },
    );
    const arbHeader = fc.oneof(fc.constant({ alg: 'HS256', typ: 'JWT' }), fc.record({ alg: fc.oneof(fc.constant('HS256'), arbHostileValue), crit: arbHostileValue, b64: arbHostileValue }, { requiredKeys: [] }));
    await fc.assert(
      fc.asyncProperty(arbHeader, fc.oneof(arbClaims, arbHostileValue), (header, claims) => onlyTheTwoCodes(signed(JSON.stringify(header), JSON.stringify(claims) ?? 'null'))),
      { numRuns: RUNS },
    );
  });
});
