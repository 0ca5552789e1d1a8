/**
 * Every Redis key and pub/sub channel of a cluster, under one prefix (several clusters can share a
 * Redis). K is a channel key (store.ts), uk a uid key (src/keys.ts). See docs/cluster.md, Keys.
 *   P m:K            hash   uk -> "sessionId|ownerNode|stream1,stream2" of its hosts (deleted with the last)
 *   P a:K            hash   uk -> "sessionId|ownerNode|" of its audience    (deleted with the last)
 *   P o:NODE         set    "K\nuk" of the members NODE owns         (emptied as they leave; deleted on adoption)
 *   P nodes          zset   node -> deadline ms (last heartbeat + TTL) (a dead node is removed by its adopter)
 *   P heard          hash   node -> last heartbeat ms
 *   P seq            the event counter, also taken by count changes   (deleted when the last node retires)
 *   P d:K\nS\nuk     stream a stream's recent messages (e epoch, s seq, f frame)
 *   P c:K            pub/sub: the channel's events and data
 *   P b:K\nuk        string a ban of the uid from the channel: when it ends (ms); expires then
 *   P n:NODE         pub/sub: what a node must do ("resumed|sid", "replaced|sid", "kick|sid|message")
 *   P wq{U}          list   a webhook URL's undelivered events, oldest first (U: a hash of the URL)
 *   P wl{U}          string the node that sends that URL's events now; expires by itself
 */
export class RedisKeys {
  constructor(readonly prefix: string) {}

  members(key: string): string {
    return `${this.prefix}m:${key}`;
  }

  get membersPrefix(): string {
    return `${this.prefix}m:`;
  }

  audience(key: string): string {
    return `${this.prefix}a:${key}`;
  }

  get audiencePrefix(): string {
    return `${this.prefix}a:`;
  }

  get seq(): string {
    return `${this.prefix}seq`;
  }

  owned(node: string): string {
    return `${this.prefix}o:${node}`;
  }

  get ownedPrefix(): string {
    return `${this.prefix}o:`;
  }

  get nodes(): string {
    return `${this.prefix}nodes`;
  }

  get heard(): string {
    return `${this.prefix}heard`;
  }

  topic(key: string): string {
    return `${this.prefix}c:${key}`;
  }

  /** The channel key a topic belongs to. */
  keyOfTopic(topic: string): string {
    return topic.slice(this.prefix.length + 2);
  }

  nodeTopic(node: string): string {
    return `${this.prefix}n:${node}`;
  }

  get nodeTopicPrefix(): string {
    return `${this.prefix}n:`;
  }

  ban(key: string, uk: string): string {
    return `${this.prefix}b:${key}\n${uk}`;
  }

  /** Prefix of the message keys of a channel's streams (the scripts append stream and uid key). */
  dataPrefix(key: string): string {
    return `${this.prefix}d:${key}\n`;
  }

  /** A webhook URL's queue; `urlId` names the URL (a hash). Its lease shares the hash tag, so both sit in one slot. */
  webhookQueue(urlId: string): string {
    return `${this.prefix}wq{${urlId}}`;
  }

  webhookLease(urlId: string): string {
    return `${this.prefix}wl{${urlId}}`;
  }

  data(key: string, uk: string, streamId: string): string {
    return `${this.dataPrefix(key)}${streamId}\n${uk}`;
  }
}
