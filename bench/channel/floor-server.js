// The raw `ws` floor of bench:channel (parts b and c): the least a server can do for the same
// clients. It answers a join with `joined` (no member list), any other request with its ack,
// echoes binary heartbeats, and sends each data frame, re-encoded once as the server's data
// frame (docs/protocol.md, Binary data frames), to every socket that subscribed: the same bytes
// channel-link's server sends, without presence, limits or sessions.
// A child process: IPC out { type: 'listening', port }; 'stop' or the parent going away -> exit.
import { WebSocketServer } from 'ws';
import { decodeDataHeader, encodeServerData } from '../../dist/src/protocol.js';
import { isHeartbeat } from './wire.js';

const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false });
const subscribers = new Set();

wss.on('connection', (ws) => {
  let uid = 0;
  ws.on('error', () => {});
  ws.on('close', () => subscribers.delete(ws));
  ws.on('message', (data, isBinary) => {
    if (isBinary && isHeartbeat(data)) return void ws.send(data);
    if (isBinary) {
      const { streamId, flags, epoch, seq, payloadOffset } = decodeDataHeader(data);
      const frame = encodeServerData(uid, streamId, flags, epoch, seq, data.subarray(payloadOffset));
      for (const target of subscribers) target.send(frame);
      return;
    }
    const frame = JSON.parse(data.toString());
    if (frame.type === 'join') {
      uid = frame.uid;
      ws.send(JSON.stringify({ type: 'joined', uid }));
      return;
    }
    if (frame.type === 'subscribe') subscribers.add(ws);
    ws.send(JSON.stringify({ type: 'ack', id: frame.id }));
  });
});

wss.once('listening', () => process.send({ type: 'listening', port: wss.address().port }));
process.on('message', (msg) => msg === 'stop' && process.exit(0));
process.on('disconnect', () => process.exit(0));
