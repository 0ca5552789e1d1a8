// The room: role switch, the peers with names and quality bars, counts, sending and each peer's messages.
import { useEffect, useRef, useState } from 'react';
import type { LocalStream, Uid } from 'channel-link';
import { useChannelEvent, useChannelInfo, useNetworkQuality, usePeers, useStreamMessages } from 'channel-link/react';
import { client } from './client.js';
import { QualityBars } from './QualityBars.js';

export function Room({ name }: { name: string }) {
  const peers = usePeers(client);
  const { hosts, audience } = useChannelInfo(client);
  const quality = useNetworkQuality(client);
  const [role, setRole] = useState(client.getClientRole());
  const [left, setLeft] = useState<string[]>([]);
  useChannelEvent(client, 'peer-leave', ({ uid, reason }) => setLeft((l) => [...l.slice(-4), `${uid} ${reason}`]));

  const switchRole = () => {
    const next = role === 'host' ? 'audience' : 'host';
    client.setClientRole(next).then(() => setRole(next), () => {});
  };

  return (
    <section>
      <p>
        You: <b data-testid="own-name">{name}</b> <QualityBars quality={quality} /> ·{' '}
        <span data-testid="counts">
          {hosts} hosts, {audience} audience
        </span>{' '}
        ·{' '}
        <button data-testid="role" data-role={role} onClick={switchRole}>
          {role === 'host' ? 'Become audience' : 'Become host'}
        </button>{' '}
        <button data-testid="leave" onClick={() => void client.leave()}>
          Leave
        </button>
      </p>
      {role === 'host' && <Sender />}
      <h2>Peers</h2>
      <ul data-testid="peers">
        {[...peers.values()].map((peer) => (
          <li key={peer.uid} data-testid="peer" data-uid={peer.uid}>
            <b data-testid="peer-name">{peer.attributes.name ?? `UID ${peer.uid}`}</b> <QualityBars quality={peer.networkQuality} />
            {[...peer.streams].map((streamId) => (
              <Messages key={streamId} uid={peer.uid} streamId={streamId} />
            ))}
          </li>
        ))}
      </ul>
      {left.length > 0 && <p data-testid="left">Left: {left.join(', ')}</p>}
    </section>
  );
}

/** Publishes on first send. */
function Sender() {
  const stream = useRef<Promise<LocalStream> | null>(null);
  const [text, setText] = useState('');
  const send = async () => {
    stream.current ??= client.publish();
    (await stream.current).send(text);
    setText('');
  };
  return (
    <p>
      <input data-testid="message" value={text} onChange={(e) => setText(e.target.value)} placeholder="a message" />{' '}
      <button data-testid="send" onClick={() => void send()} disabled={!text}>
        Send
      </button>
    </p>
  );
}

/** The last messages of one peer's stream (the hook subscribes while this is mounted). */
function Messages({ uid, streamId }: { uid: Uid; streamId: string }) {
  const messages = useStreamMessages(client, uid, streamId, { limit: 5 });
  // subscribe() is idempotent: this only learns when the server has confirmed the hook's subscription.
  const [subscribed, setSubscribed] = useState(false);
  useEffect(() => {
    let mounted = true;
    client.subscribe(uid, streamId).then(() => mounted && setSubscribed(true), () => {});
    return () => {
      mounted = false;
    };
  }, [uid, streamId]);
  return (
    <ol data-testid="messages" data-stream={streamId} data-subscribed={subscribed}>
      {messages.map((m, i) => (
        <li key={i}>{typeof m.data === 'string' ? m.data : `${m.data.byteLength} bytes`}</li>
      ))}
    </ol>
  );
}
