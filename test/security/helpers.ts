/** Shared bits of the security tests: a token factory and a log capture. */
import { Writable } from 'node:stream';
import pino, { type Logger } from 'pino';
import { createToken } from '../../server/tokens.js';
import type { Uid } from '../../src/types.js';

export const APP_ID = 'test'; // RawClient's default appId
export const CERT = 'a-long-random-app-certificate-for-tests-0123456789';

export function token(channel: string, uid: Uid, expiresInSeconds = 3600, extra: { appId?: string; cert?: string; now?: number } = {}): string {
  return createToken({
    appId: extra.appId ?? APP_ID,
    appCertificate: extra.cert ?? CERT,
    channel,
    uid,
    expiresInSeconds,
    ...(extra.now === undefined ? {} : { now: extra.now }),
  });
}

export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

/** A pino logger whose JSON lines land in `lines`. */
export function captureLogger(level: pino.Level = 'debug'): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n')) if (line) lines.push(JSON.parse(line) as LogLine);
      done();
    },
  });
  return { logger: pino({ level }, sink), lines };
}
