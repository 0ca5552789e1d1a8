// The join form, then the room once CONNECTED (or reconnecting).
import { useState, type FormEvent } from 'react';
import { useConnectionState } from 'channel-link/react';
import { client } from './client.js';
import { Room } from './Room.js';

export function App() {
  const state = useConnectionState(client);
  const [error, setError] = useState<string | null>(null);
  const [name, setName] = useState('');

  const join = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const uid = Number(form.get('uid')) || null;
    setError(null);
    setName(String(form.get('name')));
    client
      .join(null, String(form.get('channel')), uid, { attributes: { name: String(form.get('name')) } })
      .catch((e: { code?: string; message: string }) => setError(`${e.code}: ${e.message}`));
  };

  return (
    <main>
      <h1>
        channel-link · <span data-testid="state" data-state={state}>{state}</span>
      </h1>
      {state === 'DISCONNECTED' ? (
        <form onSubmit={join} data-testid="join-form">
          <label>
            Name <input name="name" data-testid="name" defaultValue="Ada" required />
          </label>
          <label>
            Channel <input name="channel" data-testid="channel" defaultValue="room-1" required />
          </label>
          <label>
            UID <input name="uid" data-testid="uid" type="number" min="0" placeholder="assigned" />
          </label>
          <button type="submit" data-testid="join">Join</button>
        </form>
      ) : (
        <Room name={name} />
      )}
      {error && <p data-testid="error">{error}</p>}
    </main>
  );
}
