// A Socket.IO client on its own worker_threads worker, as channel-link's worker mode puts each
// client's socket on its own thread (bench/peers/latency.js, `sio-workers`). workerData: { url, room }.
// Posts 'joined' once in the room; then each message from the parent is emitted, and each message
// received is posted to the parent: one thread crossing per direction, as channel-link has.
import { parentPort, workerData } from 'node:worker_threads';
import { io } from 'socket.io-client';

const socket = io(workerData.url, { transports: ['websocket'], forceNew: true });
socket.on('connect', () => socket.emit('join', workerData.room, () => parentPort.postMessage('joined')));
socket.on('m', (data) => parentPort.postMessage(data));
parentPort.on('message', (data) => socket.emit('m', data));
