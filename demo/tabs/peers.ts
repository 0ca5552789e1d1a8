/**
 * The peer list with each peer's streams and subscriptions, peers that left (greyed, with the
 * reason), and the page's own tick stream.
 */
import type { ChannelClient, LocalStream, PeerLeaveReason, PeerTable, RemoteStream, Uid } from 'channel-link';
import { $, clock, describeError, el } from '../dom.js';
import { qualityBars } from '../quality-bars.js';

interface Subscribed {
  stream: RemoteStream;
  sub: { unsubscribe(): void };
  last: string;
  /** Arrival times of the last two seconds, for the rate. */
  times: number[];
}

const RATE_WINDOW_MS = 2000;
/** Departed peers shown (most recent first); older ones drop off. */
const MAX_DEPARTED = 5;
const keyOf = (uid: Uid, streamId: string) => `${typeof uid}:${uid}/${streamId}`;

export class PeersView {
  private peers: PeerTable = new Map();
  private readonly departed = new Map<Uid, { reason: PeerLeaveReason; at: string }>();
  private readonly subscribed = new Map<string, Subscribed>();
  private local: { stream: LocalStream; timer: ReturnType<typeof setInterval>; sent: number } | null = null;
  onError: (text: string) => void = () => {};

  constructor(private readonly client: () => ChannelClient | null) {
    setInterval(() => this.renderRates(), 250);
  }

  setPeers(peers: PeerTable): void {
    // A peer that is back is online again; one still listed here may be about to leave (the
    // peer-leave event can come before or after the table without it).
    for (const uid of peers.keys()) if (!this.peers.has(uid)) this.departed.delete(uid);
    this.peers = peers;
    this.render();
  }

  /** A peer left: keep it listed, greyed, with the reason, until it comes back. */
  peerLeft(uid: Uid, reason: PeerLeaveReason): void {
    this.departed.delete(uid);
    this.departed.set(uid, { reason, at: clock() });
    while (this.departed.size > MAX_DEPARTED) this.departed.delete(this.departed.keys().next().value!);
    this.render();
  }

  /** The client went DISCONNECTED: the SDK ended every stream. */
  reset(): void {
    this.stopPublishing();
    for (const s of this.subscribed.values()) s.sub.unsubscribe();
    this.subscribed.clear();
    this.departed.clear();
    this.render();
  }

  get publishing(): boolean {
    return this.local !== null;
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
    const gone = [...this.departed].filter(([uid]) => !this.peers.has(uid)).reverse();
    list.replaceChildren(...uids.map((uid) => this.renderPeer(uid)), ...gone.map(([uid, info]) => this.renderDeparted(uid, info)));
    $('peer-count').textContent = String(uids.length);
    $('no-peers').hidden = uids.length + gone.length > 0;
    this.renderRates();
  }

  private renderPeer(uid: Uid): HTMLElement {
    const peer = this.peers.get(uid);
    const streams = [...(peer?.streams ?? [])].sort();
    const name = peer?.attributes.name;
    return el(
      'li',
      { 'data-testid': 'peer', 'data-uid': String(uid), class: 'peer' },
      el(
        'div',
        { class: 'peer-head' },
        el('span', { class: 'dot dot-on', title: 'online' }),
        el('span', { class: 'uid' }, `uid ${uid}`),
        name ? el('span', { class: 'name', 'data-testid': 'peer-name' }, name) : '',
        qualityBars(peer?.networkQuality, 'peer-quality'),
        el('span', { class: 'muted' }, `online · ${streams.length === 0 ? 'no streams' : `${streams.length} stream${streams.length > 1 ? 's' : ''}`}`),
      ),
      ...streams.map((streamId) => this.renderStream(uid, streamId)),
    );
  }

  private renderDeparted(uid: Uid, { reason, at }: { reason: PeerLeaveReason; at: string }): HTMLElement {
    return el(
      'li',
      { 'data-testid': 'peer-gone', 'data-uid': String(uid), 'data-reason': reason, class: 'peer gone' },
      el(
        'div',
        { class: 'peer-head' },
        el('span', { class: 'dot', title: 'left' }),
        el('span', { class: 'uid' }, `uid ${uid}`),
        el('span', { class: 'muted' }, `left · ${reason} · `, el('time', {}, at)),
      ),
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
      // Laid out while subscribed (visibility only), so the list never shifts when ticks pause.
      on ? el('span', { class: 'paused', 'data-testid': 'stream-paused', 'data-paused': 'false' }, 'ticks paused at the sender; peer still online') : '',
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
      // Data paused while presence holds: say which is which (ticks come from the sender's main thread).
      const paused = row.querySelector<HTMLElement>('[data-testid="stream-paused"]');
      if (paused) paused.dataset.paused = String(rate === 0 && entry.last !== '–');
    }
  }
}
