/** A real HTTP receiver of webhooks for the tests: records each request's raw body and signature; can be taken down and brought back on the same port. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedHook {
  raw: string;
  signature: string | undefined;
  event: { id: string; type: string; appId: string; channel: string; uid?: unknown; role?: string; reason?: string; streamId?: string; attributes?: Record<string, string>; at: number };
}

export class WebhookReceiver {
  readonly received: ReceivedHook[] = [];
  /** Requests answered, whatever the status. */
  requests = 0;
  /** While set, requests are answered with this status (a failing receiver). */
  failWith: number | null = null;
  private server: Server | null = null;
  port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.port}/hooks`;
  }

  async start(port = 0): Promise<this> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.requests++;
        if (this.failWith !== null) {
          res.writeHead(this.failWith).end();
          return;
        }
        const raw = Buffer.concat(chunks).toString('utf8');
        this.received.push({ raw, signature: req.headers['channel-link-signature'] as string | undefined, event: JSON.parse(raw) as ReceivedHook['event'] });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
    return this;
  }

  /** Down: the port refuses connections until start(this.port) again. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** The events received of one channel, as 'type uid reason' strings. */
  log(channel: string): string[] {
    return this.received.filter((h) => h.event.channel === channel).map(({ event: e }) => [e.type, e.uid, e.reason ?? e.role ?? e.streamId].filter((x) => x !== undefined).join(' '));
  }
}
