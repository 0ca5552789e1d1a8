import { describe, expect, it } from 'vitest';
import type { EngineOutput, EventBatch } from '../../src/boundary.js';
import { EventBatcher } from '../../worker/event-batcher.js';
import { flushMicrotasks } from './fakes.js';

function setup() {
  const posted: { batch: EventBatch; transfer: Transferable[] }[] = [];
  const batcher = new EventBatcher({ postMessage: (batch, transfer) => posted.push({ batch, transfer }) });
  return { batcher, posted };
}

describe('EventBatcher', () => {
  it('posts a burst of pushes as one batch per task, with increasing seq', async () => {
    const { batcher, posted } = setup();
    const items: EngineOutput[] = Array.from({ length: 300 }, (_, i) => ({ kind: 'event', event: { type: 'peer-online', uid: i, attributes: {} } }));
    for (const item of items) batcher.push(item);
    expect(posted).toHaveLength(0);
    await flushMicrotasks();
    expect(posted).toHaveLength(1);
    expect(posted[0]!.batch).toEqual({ seq: 1, items });
    batcher.push({ kind: 'event', event: { type: 'connected', resumed: false, recovered: true } });
    await flushMicrotasks();
    expect(posted.map((p) => p.batch.seq)).toEqual([1, 2]);
    expect(batcher.lastSeq).toBe(2);
  });

  it('flush() posts at once, and an empty flush posts nothing', async () => {
    const { batcher, posted } = setup();
    batcher.flush();
    expect(posted).toHaveLength(0);
    batcher.push({ kind: 'event', event: { type: 'connected', resumed: false, recovered: true } });
    batcher.flush();
    expect(posted).toHaveLength(1);
    await flushMicrotasks();
    expect(posted).toHaveLength(1);
    expect(batcher.lastSeq).toBe(1);
  });

  it('binary message data rides in the transfer list; text does not', () => {
    const { batcher, posted } = setup();
    const buffer = new ArrayBuffer(8);
    batcher.push({ kind: 'message', uid: 1, streamId: 's', data: buffer });
    batcher.push({ kind: 'message', uid: 1, streamId: 's', data: 'text' });
    batcher.flush();
    expect(posted[0]!.transfer).toEqual([buffer]);
    expect(posted[0]!.transfer[0]).toBe(buffer);
  });
});
