/**
 * A compact, stable description of an event: what the logs show and the e2e tests read. The two-tab
 * view names streams and messages too (`detailed`); the seed view's lanes keep it short.
 */
import type { ChannelEvent } from 'channel-link';

export function describeEvent(event: ChannelEvent, detailed = false): string {
  const stream = (streamId: string) => (detailed ? ` ${streamId}` : '');
  switch (event.type) {
    case 'connection-state-change':
      return `state ${event.prevState}->${event.curState} ${event.reason}`;
    case 'peer-online':
      return `peer-online ${event.uid}`;
    case 'peer-leave':
      return `peer-leave ${event.uid} ${event.reason}`;
    case 'stream-added':
      return `stream-added ${event.uid}${stream(event.streamId)}`;
    case 'stream-removed':
      return `stream-removed ${event.uid}${stream(event.streamId)} ${event.reason}`;
    case 'stream-gap':
      return `stream-gap ${event.uid}${stream(event.streamId)} (${event.to - event.from + 1} lost)`;
    case 'exception':
      return `exception ${event.code}${detailed ? ` ${event.message}` : ''}`;
    case 'client-role-changed':
      return `client-role-changed ${event.role}`;
    case 'connection-attempt-failed':
      return `connection-attempt-failed ${event.code}${detailed ? ` ${event.url}: ${event.message}` : ''}`;
    default:
      return event.type;
  }
}
