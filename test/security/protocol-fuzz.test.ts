/**
 * Property-based tests of the wire decoders on both ends: any input either decodes to a valid
 * frame or throws ProtocolError (never anything else, never pollutes a prototype), and every valid
 * frame round-trips through encode/decode.
 */
import { decodeClientFrame } from '../../src/client-frames.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ProtocolError,
  decodeDataHeader,
  decodeServerData,
  decodeServerFrame,
  encodeClientData,
  encodeFrame,
  encodeServerData,
} from '../../src/protocol.js';
import { arbClientFrame, arbHostileValue, arbServerFrame, arbStreamId, arbUid } from './frame-arbitraries.js';
import { mutateControl, mutateData, seeded } from './mutate.js';

const RUNS = Number(process.env.FUZZ_PROPERTY_RUNS ?? 2000);
const decoders = { client: decodeClientFrame, server: decodeServerFrame };

/** Runs `fn`; passes if it returns or throws a ProtocolError, fails on any other throw. */
function onlyProtocolErrors(fn: () => unknown): unknown {
  try {
    return fn();
  } catch (error) {
    if (error instanceof ProtocolError) return undefined;
    throw new Error(`threw ${String(error)} instead of a ProtocolError`, { cause: error });
  }
}

const text = (value: string | Uint8Array): string => (typeof value === 'string' ? value : Buffer.from(value).toString('utf8'));
const jsonImage = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

/** Paths of the non-finite numbers in a decoded frame (JSON cannot carry them back). */
function nonFinitePaths(value: unknown, path = ''): string[] {
  if (typeof value === 'number') return Number.isFinite(value) ? [] : [path];
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, inner]) => nonFinitePaths(inner, path ? `${path}.${key}` : key));
}

describe('round trips', () => {
  it('every valid client frame decodes to itself', () => {
    fc.assert(
      fc.property(arbClientFrame, (frame) => {
        expect(decodeClientFrame(encodeFrame(frame))).toEqual(jsonImage(frame));
      }),
      { numRuns: RUNS },
    );
  });

  it('every valid server frame decodes to itself', () => {
    fc.assert(
      fc.property(arbServerFrame, (frame) => {
        expect(decodeServerFrame(encodeFrame(frame))).toEqual(jsonImage(frame));
      }),
      { numRuns: RUNS },
    );
  });

  it('a frame of one direction is never accepted by the other side (except by accident of shape: none exist)', () => {
    fc.assert(
      fc.property(arbClientFrame, arbServerFrame, (c, s) => {
        expect(() => decodeServerFrame(encodeFrame(c))).toThrow(ProtocolError);
        expect(() => decodeClientFrame(encodeFrame(s))).toThrow(ProtocolError);
      }),
      { numRuns: RUNS / 4 },
    );
  });

  it('data frames round-trip with any uid (incl. non-ASCII strings), stream id, epoch, seq and payload', () => {
    const arbEpoch = fc.integer({ min: 0, max: 0xffffffff });
    const arbSeq = fc.integer({ min: 1, max: 0xffffffff });
    const arbData = fc.oneof(fc.string({ unit: 'binary', maxLength: 300 }), fc.uint8Array({ maxLength: 300 }));
    fc.assert(
      fc.property(arbUid, arbStreamId, arbEpoch, arbSeq, arbData, (uid, streamId, epoch, seq, data) => {
        const header = decodeDataHeader(encodeClientData(streamId, epoch, seq, data));
        expect(header).toMatchObject({ streamId, epoch, seq });
        const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
        const decoded = decodeServerData(encodeServerData(uid, streamId, header.flags, epoch, seq, bytes));
        expect(decoded.uid).toBe(uid);
        expect(decoded.streamId).toBe(streamId);
        expect(decoded).toMatchObject({ epoch, seq });
        if (typeof data === 'string') expect(decoded.data).toBe(new TextDecoder().decode(bytes));
        else expect(Array.from(decoded.data as Uint8Array)).toEqual(Array.from(data));
      }),
      { numRuns: RUNS },
    );
  });
});

describe('decoders only ever throw ProtocolError', () => {
  for (const [side, decode] of Object.entries(decoders)) {
    it(`${side}: arbitrary strings, including lone surrogates`, () => {
      fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 500 }), (s) => void onlyProtocolErrors(() => decode(s))), { numRuns: RUNS });
    });

    it(`${side}: arbitrary JSON values`, () => {
      fc.assert(fc.property(fc.jsonValue(), (value) => void onlyProtocolErrors(() => decode(JSON.stringify(value)))), { numRuns: RUNS });
    });

    it(`${side}: objects with a valid type tag and hostile fields`, () => {
      const tags = ['join', 'ping', 'publish', 'subscribe', 'renew-token', 'leave', 'joined', 'error', 'kicked', 'peer-leave', 'stream-removed'];
      const arb = fc.record({ type: fc.constantFrom(...tags), fields: fc.dictionary(fc.string({ maxLength: 12 }), arbHostileValue, { maxKeys: 6 }) });
      fc.assert(
        fc.property(arb, ({ type, fields }) => void onlyProtocolErrors(() => decode(JSON.stringify({ ...fields, type })))),
        { numRuns: RUNS },
      );
    });

    it(`${side}: mutated valid frames (flipped bytes, truncation, wrong types, huge numbers, nesting), and the result re-validates`, () => {
      const arb = side === 'client' ? arbClientFrame : arbServerFrame;
      fc.assert(
        fc.property(arb, fc.integer(), (frame, seed) => {
          const mutated = mutateControl(seeded(seed), frame as Record<string, unknown>);
          const decoded = onlyProtocolErrors(() => decode(text(mutated)));
          if (decoded === undefined) return;
          // No non-finite number gets through anywhere (a raw 1e999 would parse to Infinity).
          expect(nonFinitePaths(decoded)).toEqual([]);
          // Whatever was accepted is a frame the encoder reproduces and the decoder accepts again.
          expect(decode(JSON.stringify(decoded))).toEqual(jsonImage(decoded));
        }),
        { numRuns: RUNS * 2 },
      );
    });
  }

  it('deep nesting never overflows the stack through the decoders', () => {
    for (const depth of [1_000, 10_000, 100_000, 1_000_000]) {
      const nested = '['.repeat(depth) + ']'.repeat(depth);
      onlyProtocolErrors(() => decodeClientFrame(nested));
      onlyProtocolErrors(() => decodeServerFrame(`{"type":"peer-online","uid":${nested}}`));
    }
  });

  it('no input pollutes Object.prototype', () => {
    const payloads = [
      '{"type":"ping","ts":1,"__proto__":{"polluted":true}}',
      '{"__proto__":{"polluted":true},"type":"ping","ts":1}',
      '{"type":"join","constructor":{"prototype":{"polluted":true}}}',
      '{"type":"joined","v":1,"uid":1,"sessionId":"s","resumed":false,"peers":[{"uid":1,"streams":[],"__proto__":{"polluted":true}}],"tokenExpiresAt":null,"serverTime":1}',
    ];
    for (const payload of payloads) {
      onlyProtocolErrors(() => decodeClientFrame(payload));
      onlyProtocolErrors(() => decodeServerFrame(payload));
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('binary: mutated data frames and junk, both decoders', () => {
    fc.assert(
      fc.property(arbStreamId, fc.integer(), (streamId, seed) => {
        const frame = mutateData(seeded(seed), streamId);
        onlyProtocolErrors(() => decodeDataHeader(frame));
        onlyProtocolErrors(() => decodeServerData(frame));
      }),
      { numRuns: RUNS * 2 },
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), (bytes) => {
        onlyProtocolErrors(() => decodeDataHeader(bytes));
        onlyProtocolErrors(() => decodeServerData(bytes));
      }),
      { numRuns: RUNS },
    );
  });
});
