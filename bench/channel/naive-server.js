// The NAIVE per-event presence server of bench:channel (part a), on raw `ws`: what a server
// without batching does. A join is answered with the full member list; every other member gets
// one presence frame per join, at once (the frame encoded once, sent to each). Binary heartbeats
// are echoed. It speaks just enough of docs/protocol.md for the bench's raw clients.
// A child process: IPC out { type: 'listening', port }; 'stop' or the parent going away -> exit.
import { WebSocketServer } from 'ws';

const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false });
/** ws -> uid of every joined member. */
const members = new Map();

wss.on('connection', (ws) => {
  ws.on('error', () => {});
  ws.on('close', () => members.delete(ws));
  ws.on('message', (data, isBinary) => {
    if (isBinary) return void ws.send(data); // the heartbeat, sent back
    const frame = JSON.parse(data.toString());
    if (frame.type !== 'join' || members.has(ws)) return;
    const peers = [...members.values()].map((uid) => ({ uid, streams: [] }));
    const online = JSON.stringify({ type: 'presence', events: [{ type: 'peer-online', uid: frame.uid }] });
    for (const other of members.keys()) other.send(online);
    members.set(ws, frame.uid);
    ws.send(
      JSON.stringify({
        type: 'joined',
        v: frame.v,
        uid: frame.uid,
        sessionId: `naive-${frame.uid}`,
        resumed: false,
        peers,
        tokenExpiresAt: null,
        serverTime: Date.now(),
        role: 'host',
        channel: { hosts: members.size, audience: 0 },
      }),
    );
  });
});

wss.once('listening', () => process.send({ type: 'listening', port: wss.address().port }));
process.on('message', (msg) => msg === 'stop' && process.exit(0));
process.on('disconnect', () => process.exit(0));
