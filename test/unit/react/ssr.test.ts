/**
 * `channel-link/react` on a server (docs/api.md, React): the module imports where there is no
 * `window`, and renders a client out of a channel (the values hydration starts from). And the
 * main entry stays free of React: only the react entry's own modules import it.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { createElement } from 'react';
import { renderToString } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { useChannelInfo, useConnectionState, useNetworkQuality, usePeers, useStreamMessages } from '../../../src/react.js';
import { fakeClient } from './fake-client.js';

describe('channel-link/react on a server', () => {
  it('imports and renders without a window: the values of a client out of a channel', () => {
    expect(typeof (globalThis as { window?: unknown }).window).toBe('undefined');
    const fake = fakeClient();
    // The server snapshot is used whatever the client says, so the markup matches a fresh page.
    fake.setState('CONNECTED');
    const View = () => {
      const state = useConnectionState(fake.client);
      const peers = usePeers(fake.client);
      const { hosts } = useChannelInfo(fake.client);
      const { downlinkNetworkQuality } = useNetworkQuality(fake.client);
      const messages = useStreamMessages(fake.client, 1, 's');
      return createElement('p', null, `${state} ${peers.size} ${hosts} ${downlinkNetworkQuality} ${messages.length}`);
    };
    expect(renderToString(createElement(View))).toBe('<p>DISCONNECTED 0 0 0 0</p>');
    expect(fake.counts.listeners).toBe(0);
  });

  it('only src/react*.ts import react, and nothing in src/ imports them', () => {
    const dir = new URL('../../../src/', import.meta.url);
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
      const text = readFileSync(new URL(file, dir), 'utf8');
      const importsReact = /from\s+'react(-dom)?(\/[^']*)?'/.test(text);
      expect(importsReact, file).toBe(file === 'react.ts');
      if (!file.startsWith('react')) expect(text, file).not.toMatch(/from\s+'\.\/react/);
    }
  });
});
