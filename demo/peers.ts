/** The peer list with each peer's streams and subscriptions, and the page's own tick stream. */
import type { ChannelClient, LocalStream, PeerTable, RemoteStream, Uid } from 'channel-link';
import { $, describeError, el } from './dom.js';

interface Subscribed {
  stream: RemoteStream;
  sub: { unsubscribe(): void };
  last: string;
  /** Arrival times of the last two seconds, for the rate. */
  times: number[];
}

const RATE_WINDOW_MS = 2000;
const keyOf = (uid: Uid, streamId: string) => `${typeof uid}:${uid}/${streamId}`;

export class PeersView {
  private peers: PeerTable = new Map();
  private readonly subscribed = new Map<string, Subscribed>();
  private local: { stream: LocalStream; timer: ReturnType<typeof setInterval>; sent: number } | null = null;
  onError: (text: string) => void = () => {};

  constructor(private readonly client: () => ChannelClient | null) {
    setInterval(() => this.renderRates(), 250);
  }

  setPeers(peers: PeerTable): void {
    this.peers = peers;
    this.render();
  }

  /** The client went DISCONNECTED: the SDK ended every stream. */
  reset(): void {
    this.stopPublishing();
    for (const s of this.subscribed.values()) s.sub.unsubscribe();
    this.subscribed.clear();
    this.render();
  }

  async togglePublishing(): Promise<void> {
    const client = this.client();
    if (!client) return;
    if (this.local) {
      const { stream } = this.local;
      this.stopPublishing();
      await client.unpublish(stream);
      return;
    }
    const stream = await client.publish();
    const local = { stream, sent: 0, timer: setInterval(() => this.tick(), 100) };
    this.local = local;
    this.renderLocal();
  }

  stopPublishing(): void {
    if (!this.local) return;
    clearInterval(this.local.timer);
    this.local = null;
    this.renderLocal();
  }

  private tick(): void {
    if (!this.local) return;
    try {
      this.local.stream.send(`tick ${++this.local.sent}`);
    } catch {
      this.stopPublishing();
    }
    this.renderLocal();
  }

  private async toggleSubscription(uid: Uid, streamId: string): Promise<void> {
    const client = this.client();
    if (!client) return;
    const key = keyOf(uid, streamId);
    const existing = this.subscribed.get(key);
    try {
      if (existing) {
        this.subscribed.delete(key);
        existing.sub.unsubscribe();
        await client.unsubscribe(existing.stream);
      } else {
        const stream = await client.subscribe(uid, streamId);
        const entry: Subscribed = { stream, last: '–', times: [], sub: { unsubscribe() {} } };
        entry.sub = stream.messages$.subscribe(({ data }) => {
          entry.last = typeof data === 'string' ? data.slice(0, 40) : `${data.byteLength} bytes`;
          entry.times.push(performance.now());
        });
        this.subscribed.set(key, entry);
      }
    } catch (error) {
      this.onError(`Subscription to ${uid}/${streamId} failed: ${describeError(error)}`);
    }
    this.render();
  }

  private renderLocal(): void {
    const line = $('local-stream');
    const button = $<HTMLButtonElement>('publish');
    if (!this.local) {
      line.textContent = 'Not publishing.';
      delete line.dataset.stream;
      button.textContent = 'Publish ticks';
      return;
    }
    line.dataset.stream = this.local.stream.id;
    line.replaceChildren('Stream ', el('code', {}, this.local.stream.id), ` · ${this.local.sent} ticks sent, one every 100 ms`);
    button.textContent = 'Unpublish';
  }

  render(): void {
    const list = $('peer-list');
    const uids = [...this.peers.keys()].sort((a, b) => String(a).localeCompare(String(b), undefined, { numeric: true }));
    list.replaceChildren(...uids.map((uid) => this.renderPeer(uid)));
    $('peer-count').textContent = String(uids.length);
    $('no-peers').hidden = uids.length > 0;
    this.renderRates();
  }

  private renderPeer(uid: Uid): HTMLElement {
    const streams = [...(this.peers.get(uid)?.streams ?? [])].sort();
    return el(
      'li',
      { 'data-testid': 'peer', 'data-uid': String(uid), class: 'peer' },
      el(
        'div',
        { class: 'peer-head' },
        el('span', { class: 'avatar', 'aria-hidden': 'true' }, String(uid).slice(0, 2)),
        el('span', { class: 'uid' }, `uid ${uid}`),
        el('span', { class: 'muted' }, streams.length === 0 ? 'no streams' : `${streams.length} stream${streams.length > 1 ? 's' : ''}`),
      ),
      ...streams.map((streamId) => this.renderStream(uid, streamId)),
    );
  }

  private renderStream(uid: Uid, streamId: string): HTMLElement {
    const key = keyOf(uid, streamId);
    const on = this.subscribed.has(key);
    const toggle = el('button', { type: 'button', class: on ? 'small secondary' : 'small', 'data-testid': 'subscribe' }, on ? 'Unsubscribe' : 'Subscribe');
    toggle.addEventListener('click', () => void this.toggleSubscription(uid, streamId));
    return el(
      'div',
      { class: 'stream', 'data-testid': 'remote-stream', 'data-uid': String(uid), 'data-stream': streamId, 'data-key': key },
      el('code', {}, streamId),
      toggle,
      el('span', { class: 'last', 'data-testid': 'stream-last' }, on ? '–' : ''),
      el('span', { class: 'rate', 'data-testid': 'stream-rate' }, ''),
    );
  }

  private renderRates(): void {
    const now = performance.now();
    for (const row of document.querySelectorAll<HTMLElement>('[data-testid="remote-stream"]')) {
      const entry = this.subscribed.get(row.dataset.key ?? '');
      if (!entry) continue;
      while (entry.times.length > 0 && entry.times[0]! < now - RATE_WINDOW_MS) entry.times.shift();
      const rate = entry.times.length / (RATE_WINDOW_MS / 1000);
      row.querySelector('[data-testid="stream-last"]')!.textContent = entry.last;
      const rateEl = row.querySelector<HTMLElement>('[data-testid="stream-rate"]')!;
      rateEl.textContent = `${rate.toFixed(1)} msg/s`;
      rateEl.dataset.rate = rate.toFixed(1);
    }
  }
}
