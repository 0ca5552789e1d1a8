/** TLS material for wss:// and https://: PEM text (string or Buffer) or a path to a PEM file. */
import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import { ChannelLinkError } from '../src/errors.js';

export interface TlsMaterial {
  cert: string | Buffer;
  key: string | Buffer;
}

const invalid = (message: string): never => {
  throw new ChannelLinkError('INVALID_PARAMS', message);
};

function load(name: string, value: string | Buffer): string | Buffer {
  if (Buffer.isBuffer(value)) return value;
  if (typeof value !== 'string' || value === '') return invalid(`${name} must be PEM text or a path to a PEM file`);
  if (value.includes('-----BEGIN')) return value;
  try {
    return readFileSync(value);
  } catch (err) {
    return invalid(`${name}: cannot read ${value} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}

/** Null without TLS; throws INVALID_PARAMS if only one is set, a file is unreadable, or the pair is unusable. */
export function loadTls(cert: string | Buffer | undefined, key: string | Buffer | undefined): TlsMaterial | null {
  if (cert === undefined && key === undefined) return null;
  if (cert === undefined || key === undefined) return invalid('tlsCert and tlsKey must be given together');
  const material = { cert: load('tlsCert', cert), key: load('tlsKey', key) };
  try {
    createSecureContext(material); // fails now, with a clear message, on bad PEM or a key that does not match
  } catch (err) {
    return invalid(`tlsCert/tlsKey are not a usable certificate and key: ${(err as Error).message}`);
  }
  return material;
}
