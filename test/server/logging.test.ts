import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { startServer } from '../../server/index.js';
import { RawClient, until } from './raw-client.js';

describe('logging', () => {
  it('uses the given pino logger: joins at info, bad frames at warn', async () => {
    const lines: { level: number; msg: string; component?: string }[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const line of chunk.toString().split('\n')) if (line) lines.push(JSON.parse(line));
        done();
      },
    });
    const logger = pino({ level: 'debug' }, sink);
    const server = await startServer({ port: 0, logger });
    try {
      const { client } = await RawClient.joined(server.url, { channel: 'logs', uid: 1 });
      const hostile = await RawClient.connect(server.url);
      hostile.sendRaw('nonsense');
      await hostile.waitClosed();
      await until(() => lines.some((l) => l.msg === 'bad frame'), 'the bad frame log line');
      expect(lines.find((l) => l.msg === 'joined')).toMatchObject({ level: 30, component: 'channel-link-server' });
      expect(lines.find((l) => l.msg === 'bad frame')).toMatchObject({ level: 40 });
      client.terminate();
    } finally {
      await server.close();
    }
  });

  it('accepts a level string as logger', async () => {
    const server = await startServer({ port: 0, logger: 'silent' });
    await server.close();
    // @ts-expect-error not a level
    await expect(startServer({ port: 0, logger: 'chatty' })).rejects.toMatchObject({ code: 'INVALID_PARAMS' });
  });
});
