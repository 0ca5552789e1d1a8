/**
 * The demo's two-tab mode (`?view=tabs`): one user per tab, imports the SDK exactly as an app does
 * and renders what its observables say. Query parameters prefill the form: url, channel, uid, role (host or audience),
 * heartbeatIntervalMs, connectionTimeoutMs, worker=inline, freeze and loss (seconds);
 * reconnectInitialDelayMs and reconnectMaxDelayMs tune the backoff; join=1 joins at once.
 */
import { qualityBars } from '../quality-bars.js';
import {
  createClient,
  type ChannelClient,
  type ChannelEvent,
  type ChannelInfo,
  type ClientOptions,
  type ClientRole,
  type ConnectionState,
  type Uid,
} from 'channel-link';
import { describeEvent } from '../describe.js';
import { $, afterPaint, appendToLog, clock, describeError, el } from '../dom.js';
import { SERVER_DEFAULTS, seconds } from '../timeouts.js';
import { PeersView } from './peers.js';

const params = new URLSearchParams(location.search);
const form = document.querySelector<HTMLFormElement>('#join-form')!;
const field = (name: string) => form.elements.namedItem(name) as HTMLInputElement;
const button = (testid: string) => $<HTMLButtonElement>(testid);

let client: ChannelClient | null = null;
let clientKey = '';
let wiring: { unsubscribe(): void }[] = [];
let state: ConnectionState = 'DISCONNECTED';
/** The role this tab joins (or is joined) with: the client's own once there is one. */
let role: ClientRole = params.get('role') === 'audience' ? 'audience' : 'host';
/** The role a setClientRole() call in flight asks for: the switch shows it, and waits. */
let switchingTo: ClientRole | null = null;
let recording: ChannelEvent[] | null = null;
const peersView = new PeersView(() => client);

// ---- texts built from the server's timeouts ----

$('loss-hint').textContent = lossHint();

/** What a simulated loss of each length does, as the server's timeouts decide it. */
function lossHint(): string {
  const { streamTimeoutMs, peerTimeoutMs } = SERVER_DEFAULTS;
  const streamFirst = streamTimeoutMs < peerTimeoutMs ? ` (past its stream timeout, ${seconds(streamTimeoutMs)}, your stream is removed first)` : '';
  return (
    "The worker's transport drops everything both ways (debug hook). Longer than the server's peer timeout " +
    `(${seconds(peerTimeoutMs)} by default), the other tab sees stream-removed, peer-leave, then you come back${streamFirst}; ` +
    'shorter (counted from the last heartbeat the server got), you resume and it sees nothing.'
  );
}

// ---- form ----

field('url').value = params.get('url') ?? `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}`;
for (const name of ['channel', 'uid', 'name', 'heartbeatIntervalMs', 'connectionTimeoutMs']) {
  const value = params.get(name);
  if (value !== null) field(name).value = value;
}
field('inline').checked = params.get('worker') === 'inline';
if (['heartbeatIntervalMs', 'connectionTimeoutMs', 'worker'].some((p) => params.has(p))) form.querySelector('details')!.open = true;
for (const [param, testid] of [['freeze', 'freeze-seconds'], ['loss', 'loss-seconds']] as const) {
  if (params.has(param)) $<HTMLInputElement>(testid).value = params.get(param)!;
}

function clientOptions(): ClientOptions {
  const options: ClientOptions = { url: field('url').value.trim() };
  for (const name of ['heartbeatIntervalMs', 'connectionTimeoutMs'] as const) {
    const value = Number(field(name).value);
    if (field(name).value !== '' && value > 0) options[name] = value;
  }
  if (field('inline').checked) options.worker = 'inline';
  // Reconnect pacing: query parameters only (used by the e2e tests to keep the timeline short).
  const initialDelayMs = Number(params.get('reconnectInitialDelayMs'));
  const maxDelayMs = Number(params.get('reconnectMaxDelayMs'));
  if (initialDelayMs > 0 || maxDelayMs > 0) {
    options.reconnect = { ...(initialDelayMs > 0 && { initialDelayMs }), ...(maxDelayMs > 0 && { maxDelayMs }) };
  }
  return options;
}

function uidValue(): Uid | null {
  const raw = field('uid').value.trim();
  if (raw === '') return null;
  return /^\d+$/.test(raw) ? Number(raw) : raw;
}

// ---- client lifecycle ----

/** One client per set of options: rejoining with the same settings reuses it. */
async function ensureClient(): Promise<ChannelClient> {
  const options = clientOptions();
  const key = JSON.stringify(options);
  if (client && key === clientKey) return client;
  for (const sub of wiring.splice(0)) sub.unsubscribe();
  const previous = client;
  client = null;
  clientKey = '';
  await previous?.destroy();
  // The role is not part of the key: a client keeps its own across setClientRole().
  client = createClient({ ...options, role }); // throws INVALID_PARAMS for a bad URL or tuning value
  clientKey = key;
  wiring = [
    client.connectionState$.subscribe(renderState),
    client.channelInfo$.subscribe(renderChannelInfo),
    client.connectionStateChange$.subscribe(({ prevState, curState, reason }) => addTimeline(prevState, curState, reason)),
    client.peers$.subscribe((peers) => peersView.setPeers(peers)),
    client.events$.subscribe((event) => {
      recording?.push(event);
      logEvent(event);
    }),
  ];
  return client;
}

async function join(): Promise<void> {
  button('join').disabled = true;
  try {
    const c = await ensureClient();
    const uid = await c.join(null, field('channel').value, uidValue(), { attributes: nameAttributes() });
    note(`Joined "${field('channel').value}" as uid ${uid}.`, 'ok');
  } catch (error) {
    note(`Join failed: ${describeError(error)}`, 'error');
  } finally {
    renderState(client?.getConnectionState() ?? 'DISCONNECTED');
  }
}

/**
 * The role switch: setClientRole() on the client there is (before a join it sets the role the join
 * uses; joined, it resolves once the server applied it), or the role the client is created with.
 */
async function switchRole(next: ClientRole): Promise<void> {
  const c = client;
  if (!c) {
    role = next;
    renderRole();
    return;
  }
  switchingTo = next;
  renderRole();
  try {
    await c.setClientRole(next);
    role = c.getClientRole();
    if (state === 'DISCONNECTED') note(`You will join as ${role === 'host' ? 'a host' : 'an audience member'}.`);
    else if (role === 'audience') note('Now an audience member: the others saw peer-leave BECOME_AUDIENCE; you still see the hosts.', 'ok');
    else note('Now a host: the others saw peer-online.', 'ok');
  } catch (error) {
    note(`Role change failed: ${describeError(error)}`, 'error');
  } finally {
    switchingTo = null;
    renderRole();
  }
}

async function leave(): Promise<void> {
  if (!client) return;
  peersView.stopPublishing();
  try {
    await client.leave();
    note('Left the channel: peers saw peer-leave QUIT at once.', 'ok');
  } catch (error) {
    note(`Leave failed: ${describeError(error)}`, 'error');
  }
}

// ---- the two buttons that show what runs off the main thread ----

async function freezeMainThread(): Promise<void> {
  if (!client) return;
  const c = client;
  const ms = Math.max(100, Number($<HTMLInputElement>('freeze-seconds').value) * 1000);
  const before = await c.getStats();
  const stateBefore = c.getConnectionState();
  note(`Freezing the main thread for ${(ms / 1000).toFixed(1)} s (busy loop)…`);
  await afterPaint();
  recording = [];
  const start = performance.now();
  while (performance.now() - start < ms) {
    // Deliberately blocking: no timers, no rendering, no message handling on this thread.
  }
  const secs = ((performance.now() - start) / 1000).toFixed(1);
  // Let the engine catch up: events the worker queued meanwhile arrive at once; an inline engine's
  // own timers (heartbeat deadline) only run now. getStats() settles after the events before it.
  await new Promise((resolve) => setTimeout(resolve, 2 * (clientOptions().heartbeatIntervalMs ?? 1000) + 100));
  const after = await c.getStats();
  const changes = recording.filter((e) => e.type === 'connection-state-change');
  recording = null;
  if (changes.length === 0 && after.reconnects === before.reconnects && c.getConnectionState() === stateBefore) {
    note(
      `Main thread was frozen for ${secs} s. The worker kept the heartbeat going: still ${stateBefore}, ` +
        `no state change, 0 reconnects (${before.reconnects} → ${after.reconnects}), so peers never saw a leave.` +
        (peersView.publishing ? ' Your ticks did pause: they are sent by a timer on this main thread.' : ''),
      'ok',
      'freeze-result',
    );
  } else {
    const seen = changes.map((e) => `${e.prevState} → ${e.curState} (${e.reason})`).join(', ');
    note(
      `Main thread was frozen for ${secs} s and the connection dropped: ${seen || 'reconnected'}. ` +
        'If the freeze outlasted the server\'s peer timeout, peers saw you leave.',
      'error',
      'freeze-result',
    );
  }
}

async function simulateNetworkLoss(): Promise<void> {
  if (!client) return;
  const ms = Math.max(100, Number($<HTMLInputElement>('loss-seconds').value) * 1000);
  try {
    await client.debug.simulateNetworkLoss(ms);
    note(`Network loss for ${(ms / 1000).toFixed(1)} s: the worker's transport drops everything both ways.`);
    setTimeout(() => note('Simulated network loss is over.'), ms);
  } catch (error) {
    note(`Network loss failed: ${describeError(error)}`, 'error');
  }
}

// ---- rendering ----

function renderState(next: ConnectionState): void {
  state = next;
  const badge = $('state-badge');
  badge.textContent = next;
  badge.dataset.state = next;
  const inChannel = next === 'CONNECTED' || next === 'CONNECTING';
  button('join').disabled = next !== 'DISCONNECTED';
  button('leave').disabled = !inChannel;
  button('freeze').disabled = !inChannel;
  button('network-loss').disabled = !inChannel;
  if (next === 'DISCONNECTED') peersView.reset();
  renderRole();
  void refreshStats();
}

/** The switch, and what the role allows: an audience member cannot publish (INVALID_OPERATION). */
function renderRole(): void {
  for (const input of form.querySelectorAll<HTMLInputElement>('input[name="role"]')) {
    input.checked = input.value === (switchingTo ?? role);
    // While leaving, setClientRole() rejects INVALID_OPERATION; otherwise it works in any state.
    input.disabled = switchingTo !== null || state === 'DISCONNECTING';
  }
  const inChannel = state === 'CONNECTED' || state === 'CONNECTING';
  button('publish').disabled = !inChannel || role === 'audience';
  $('publish-hint').textContent =
    role === 'audience'
      ? 'An audience member cannot publish (publish() rejects with INVALID_OPERATION): switch to host first.'
      : "Ticks are sent by a timer on this page's main thread: they pause while the page is frozen.";
  $('role-hint').textContent =
    role === 'audience'
      ? "Audience: announced to nobody, in nobody's peer list; sees the hosts and may subscribe to their streams."
      : "Host: announced to everyone, in everyone's peer list, may publish.";
}

function renderChannelInfo({ hosts, audience }: ChannelInfo): void {
  const line = $('channel-info');
  line.textContent = `hosts ${hosts} · audience ${audience}`;
  line.dataset.hosts = String(hosts);
  line.dataset.audience = String(audience);
}

function addTimeline(prev: ConnectionState, cur: ConnectionState, reason: string): void {
  appendToLog(
    $('timeline'),
    el(
      'li',
      { 'data-testid': 'timeline-entry', 'data-prev': prev, 'data-cur': cur, 'data-reason': reason, 'data-at': Date.now() },
      el('time', {}, clock()),
      el('span', { class: `st st-${prev}` }, prev),
      ' → ',
      el('span', { class: `st st-${cur}` }, cur),
      el('span', { class: 'reason' }, reason),
    ),
    100,
  );
}


/** The name field as the user's attributes (none when empty). */
function nameAttributes(): Record<string, string> {
  const name = field('name').value.trim();
  return name ? { name } : {};
}

function logEvent(event: ChannelEvent): void {
  if (event.type === 'peer-leave') peersView.peerLeft(event.uid, event.reason);
  // Every 2 s: shown as bars beside the statistics, not logged.
  if (event.type === 'network-quality') return renderOwnQuality();
  if (event.type === 'peer-attributes-changed') peersView.render();
  if (event.type === 'client-role-changed') {
    role = event.role;
    // The SDK unpublished this tab's streams: its tick timer stops with them.
    if (role === 'audience') peersView.stopPublishing();
    renderRole();
  }
  addLog(event.type, describeEvent(event, true), event.type === 'exception' ? 'error' : undefined);
}

function note(text: string, tone?: 'ok' | 'error', testid = 'note'): void {
  addLog('note', text, tone, testid);
}

/** Appends to the event log, oldest first like the state timeline. */
function addLog(type: string, text: string, tone?: string, testid = 'event'): void {
  appendToLog(
    $('event-log'),
    el(
      'li',
      { 'data-testid': testid, 'data-type': type, 'data-event': text, 'data-at': Date.now(), class: tone },
      el('time', {}, clock()),
      el('span', {}, text),
    ),
    200,
  );
}

/** The local user's quality, as bars (0s out of a channel, 6s while reconnecting). */
function renderOwnQuality(): void {
  $('own-quality').replaceChildren(qualityBars(client?.getNetworkQuality()));
}

async function refreshStats(): Promise<void> {
  const line = $('stats');
  if (!client || state === 'DISCONNECTED') {
    line.textContent = 'Not joined.';
    return;
  }
  try {
    const s = await client.getStats();
    const rtt = s.rttMs === null ? '–' : `${Math.round(s.rttMs)} ms`;
    line.textContent = `uid ${s.uid ?? '–'} · RTT ${rtt} · reconnects ${s.reconnects} · ${s.peers} peer${s.peers === 1 ? '' : 's'}`;
    renderOwnQuality();
  } catch {
    // The client is being replaced or destroyed.
  }
}

// ---- wiring ----

form.addEventListener('submit', (event) => {
  event.preventDefault();
  void join();
});
button('leave').addEventListener('click', () => void leave());
// A new name while joined: the others see peer-attributes-changed.
field('name').addEventListener('change', () => {
  if (client && state !== 'DISCONNECTED') void client.setAttributes(nameAttributes()).then(() => note(`Name set: ${field('name').value.trim() || '(none)'}.`, 'ok'), (e: unknown) => note(describeError(e), 'error'));
});
button('publish').addEventListener('click', () => void peersView.togglePublishing().catch((e: unknown) => note(describeError(e), 'error')));
button('freeze').addEventListener('click', () => void freezeMainThread());
button('network-loss').addEventListener('click', () => void simulateNetworkLoss());
for (const input of form.querySelectorAll<HTMLInputElement>('input[name="role"]')) {
  input.addEventListener('change', () => input.checked && void switchRole(input.value as ClientRole));
}
renderRole();
peersView.onError = (text) => note(text, 'error');
setInterval(() => void refreshStats(), 1000);
if (params.get('join') === '1') void join();
