import { describe, expect, it, vi } from 'vitest';
import { Transport, type TransportHandlers } from '../../worker/transport.js';
import { realTimers } from '../../worker/env.js';
import { createFakeWebSocket, flushMicrotasks } from './fakes.js';

function setup() {
  const kit = createFakeWebSocket();
  const handlers = {
    onOpen: vi.fn<TransportHandlers['onOpen']>(),
    onText: vi.fn<TransportHandlers['onText']>(),
    onBinary: vi.fn<TransportHandlers['onBinary']>(),
    onClose: vi.fn<TransportHandlers['onClose']>(),
  };
  const transport = new Transport(kit.WebSocket, realTimers, handlers);
  return { kit, handlers, transport };
}

describe('Transport', () => {
  it('delivers open, text, binary and close of the current socket', () => {
    const { kit, handlers, transport } = setup();
    transport.connect('ws://a');
    const socket = kit.last();
    expect(socket.url).toBe('ws://a');
    expect(socket.binaryType).toBe('arraybuffer');
    socket.open();
    socket.receive('hello');
    socket.receive(new Uint8Array([1, 2, 3]).buffer);
    const view = new Uint8Array([9, 8, 7, 6]).subarray(1, 3);
    socket.receive(view);
    expect(handlers.onOpen).toHaveBeenCalledOnce();
    expect(handlers.onText).toHaveBeenCalledWith('hello');
    expect([...handlers.onBinary.mock.calls[0]![0]]).toEqual([1, 2, 3]);
    expect([...handlers.onBinary.mock.calls[1]![0]]).toEqual([8, 7]);
    expect(transport.send('out')).toBe(true);
    expect(socket.sent).toEqual(['out']);
    socket.serverClose(1006, 'gone');
    expect(handlers.onClose).toHaveBeenCalledWith(1006, 'gone', undefined);
    expect(transport.send('late')).toBe(false);
  });

  it('send() returns false before the socket opens', () => {
    const { kit, transport } = setup();
    transport.connect('ws://a');
    expect(transport.send('x')).toBe(false);
    expect(kit.last().sent).toEqual([]);
  });

  it('ignores every callback of an old socket after connect() was called again', () => {
    const { kit, handlers, transport } = setup();
    transport.connect('ws://a');
    const old = kit.last();
    old.open();
    handlers.onOpen.mockClear();
    // Callbacks an event loop may already have picked up for the old socket.
    const { onopen, onmessage, onclose } = old;
    transport.connect('ws://a');
    expect(old.closedByClient).not.toBeNull();
    const current = kit.last();
    expect(current).not.toBe(old);

    old.receive('stale');
    old.serverClose(1006, 'stale');
    onopen?.({});
    onmessage?.({ data: 'stale' });
    onclose?.({ code: 1006, reason: 'stale' });
    expect(handlers.onOpen).not.toHaveBeenCalled();
    expect(handlers.onText).not.toHaveBeenCalled();
    expect(handlers.onClose).not.toHaveBeenCalled();

    current.open();
    current.receive('fresh');
    expect(handlers.onOpen).toHaveBeenCalledOnce();
    expect(handlers.onText).toHaveBeenCalledExactlyOnceWith('fresh');
  });

  it('ignores every callback of a socket after close()', () => {
    const { kit, handlers, transport } = setup();
    transport.connect('ws://a');
    const socket = kit.last();
    const { onopen, onmessage, onclose } = socket;
    transport.close(1000, 'bye');
    expect(socket.closedByClient).toEqual({ code: 1000, reason: 'bye' });
    socket.open();
    socket.receive('stale');
    socket.serverClose();
    onopen?.({});
    onmessage?.({ data: 'stale' });
    onclose?.({ code: 1006, reason: '' });
    expect(handlers.onOpen).not.toHaveBeenCalled();
    expect(handlers.onText).not.toHaveBeenCalled();
    expect(handlers.onClose).not.toHaveBeenCalled();
    expect(transport.send('x'), 'the stale socket is not the current one').toBe(false);
  });

  it('a socket whose constructor throws reports a close, asynchronously', async () => {
    const { kit, handlers, transport } = setup();
    kit.throwOnConstruct = 1;
    transport.connect('ws://blocked');
    expect(handlers.onClose).not.toHaveBeenCalled();
    await flushMicrotasks();
    expect(handlers.onClose).toHaveBeenCalledExactlyOnceWith(1006, expect.stringContaining('blocked port'), {
      name: 'Error',
      message: 'SecurityError: blocked port',
    });
  });

  it("passes on what the socket's error event said (Node's ws), with its system error code", () => {
    const { kit, handlers, transport } = setup();
    transport.connect('ws://refused');
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    kit.last().serverClose(1006, '', refused);
    expect(handlers.onClose).toHaveBeenCalledExactlyOnceWith(1006, '', {
      name: 'Error',
      message: 'connect ECONNREFUSED 127.0.0.1:1',
      code: 'ECONNREFUSED',
    });
  });

  it('the failure of a socket that could not be constructed is ignored after connect() is called again', async () => {
    const { kit, handlers, transport } = setup();
    kit.throwOnConstruct = 1;
    transport.connect('ws://blocked');
    transport.connect('ws://a');
    await flushMicrotasks();
    // The stale failure must not reach the handlers: a Link would tear down the new socket.
    expect(handlers.onClose).not.toHaveBeenCalled();
    kit.last().open();
    expect(handlers.onOpen).toHaveBeenCalledOnce();
  });

  it('the failure of a socket that could not be constructed is ignored after close()', async () => {
    const { kit, handlers, transport } = setup();
    kit.throwOnConstruct = 1;
    transport.connect('ws://blocked');
    transport.close();
    await flushMicrotasks();
    expect(handlers.onClose).not.toHaveBeenCalled();
  });

  it('setNetworkLoss(true) drops inbound messages and outbound sends until restored', () => {
    const { kit, handlers, transport } = setup();
    transport.connect('ws://a');
    const socket = kit.last();
    socket.open();
    transport.setNetworkLoss(true);
    expect(transport.send('lost')).toBe(true); // silently lost, like a dead link
    expect(transport.send(new Uint8Array([1]))).toBe(true);
    socket.receive('lost');
    socket.receive(new Uint8Array([1]).buffer);
    expect(socket.sent).toEqual([]);
    expect(handlers.onText).not.toHaveBeenCalled();
    expect(handlers.onBinary).not.toHaveBeenCalled();
    transport.setNetworkLoss(false);
    transport.send('back');
    socket.receive('back');
    expect(socket.sent).toEqual(['back']);
    expect(handlers.onText).toHaveBeenCalledExactlyOnceWith('back');
  });

  it('under setNetworkLoss(true) a new socket fails at once, as with no route; after restore it connects', async () => {
    const { kit, handlers, transport } = setup();
    transport.setNetworkLoss(true);
    transport.connect('ws://a');
    expect(kit.instances).toHaveLength(0);
    await flushMicrotasks();
    expect(handlers.onClose).toHaveBeenCalledOnce();
    expect(handlers.onClose.mock.calls[0]!.slice(0, 2)).toEqual([1006, expect.stringContaining('simulated network loss')]);
    transport.setNetworkLoss(false);
    transport.connect('ws://a');
    expect(kit.instances).toHaveLength(1);
  });
});
