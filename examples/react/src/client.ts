// One client per page. The server: `?url=ws://...`, else the server that served this page
// (`channel-link-server --static-dir dist` serves both), else the default of `npm start`.
import { createClient } from 'channel-link';

const fromPage = location.protocol.startsWith('http') ? `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}` : 'ws://127.0.0.1:8080';
export const client = createClient({ url: new URLSearchParams(location.search).get('url') ?? fromPage });
