// The two SDK latency measurements shared by bench:latency and bench:cluster.
import { performance } from 'node:perf_hooks';
import { filter, firstValueFrom } from 'rxjs';
import { createClient } from 'channel-link';
import { pacedSend, summarize } from './stats.js';

const firstEvent = (client, predicate) =>
  new Promise((resolve) => {
    const sub = client.events$.subscribe((event) => {
      if (predicate(event)) {
        sub.unsubscribe();
        resolve(performance.now());
      }
    });
  });

/** join() called on `joinerUrl` -> 'peer-online' seen by an observer on `observerUrl`, `joins` times. */
export async function peerOnlineLatency({ observerUrl, joinerUrl, joins }) {
  const observer = createClient({ url: observerUrl });
  const joiner = createClient({ url: joinerUrl });
  await observer.join(null, 'bench-join', 1);
  const samples = [];
  for (let i = 0; i < joins; i++) {
    const seen = firstEvent(observer, (e) => e.type === 'peer-online' && e.uid === 2);
    const start = performance.now();
    await joiner.join(null, 'bench-join', 2);
    samples.push((await seen) - start);
    const left = firstEvent(observer, (e) => e.type === 'peer-leave' && e.uid === 2);
    await joiner.leave();
    await left;
  }
  await Promise.all([observer.destroy(), joiner.destroy()]);
  return summarize(samples);
}

/** send() on `pubUrl` -> the subscriber's messages$ on `subUrl`, `messages` at `rate` msg/s. */
export async function messageLatency({ pubUrl, subUrl, messages, rate, worker = 'auto' }) {
  const channel = `bench-data-${worker}`;
  const pub = createClient({ url: pubUrl, worker });
  const sub = createClient({ url: subUrl, worker });
  await pub.join(null, channel, 1);
  await sub.join(null, channel, 2);
  const stream = await pub.publish();
  await firstValueFrom(sub.peers$.pipe(filter((peers) => peers.get(1)?.streams.has(stream.id) === true)));
  const remote = await sub.subscribe(1, stream.id);
  const samples = [];
  const done = new Promise((resolve) => {
    remote.messages$.subscribe((m) => {
      samples.push(performance.now() - Number(m.data));
      if (samples.length === messages) resolve();
    });
  });
  const start = performance.now();
  await pacedSend(messages, rate, (data) => stream.send(data));
  await Promise.race([done, new Promise((r) => setTimeout(r, 15_000))]);
  const seconds = (performance.now() - start) / 1000;
  await Promise.all([pub.destroy(), sub.destroy()]);
  return { ...summarize(samples), lost: messages - samples.length, rate: messages / seconds };
}
