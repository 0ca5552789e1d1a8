/**
 * Every Redis key and pub/sub channel of a cluster, under one prefix (several clusters can share a
 * Redis). K is a channel key (store.ts), {K} its hash tag (K with '%', '{' and '}' escaped), uk a
 * uid key (src/keys.ts). All of a channel's keys share the slot of {K}; the node registry has the
 * slot of {nodes}. See docs/cluster.md, Keys.
 *   P m:{K}           hash   uk -> member record of its hosts       (deleted with the last)
 *   P a:{K}           hash   uk -> member record of its audience    (deleted with the last)
 *   P s:{K}           the channel's event counter (expires SEQ_IDLE_MS after the channel empties)
 *   P o:{K}NODE       set    uks of the channel's members NODE owns (emptied as they leave, deleted on adoption)
 *   P d:{K}\nS\nuk    stream a stream's recent messages (e epoch, s seq, f frame)
 *   P {nodes}nodes    zset   node -> deadline ms (last heartbeat + TTL)
 *   P {nodes}heard    hash   node -> last heartbeat ms
 *   P {nodes}claims   hash   dead node -> the node adopting its members
 *   P b:{K}\nuk       string a ban of the uid from the channel: when it ends (ms); expires then
 *   P c:{K}           shard channel: the channel's events and data
 *   P n:{NODE}        shard channel: what a node must do ("resumed|sid", "replaced|sid", "kick|sid|message")
 *   P wq{U}           list   a webhook URL's undelivered events, oldest first (U: a hash of the URL)
 *   P wl{U}           string the node that sends that URL's events now; expires by itself (slot of {U}, as its queue)
 */
export class RedisKeys {
  constructor(readonly prefix: string) {}

  /** The hash tag of a channel: every key of the channel carries it, so they share one slot. */
  tag(key: string): string {
    return `{${key.replace(/[%{}]/g, (c) => ESCAPES[c]!)}}`;
  }

  /** The channel key of a tag (its inverse). */
  untag(tag: string): string {
    return tag.slice(1, -1).replace(/%(25|7B|7D)/g, (code) => UNESCAPES[code]!);
  }

  members(key: string): string {
    return `${this.prefix}m:${this.tag(key)}`;
  }

  audience(key: string): string {
    return `${this.prefix}a:${this.tag(key)}`;
  }

  /** SCAN pattern of every channel's hosts (`role` host) or audience hash, and how to read the channel key back from one. */
  rolePattern(role: 'host' | 'audience'): string {
    return `${globEscape(this.prefix)}${role === 'host' ? 'm' : 'a'}:{*}`;
  }

  keyOfRole(roleKey: string): string {
    return this.untag(roleKey.slice(this.prefix.length + 2));
  }

  seq(key: string): string {
    return `${this.prefix}s:${this.tag(key)}`;
  }

  /** The set of the channel's members that `node` owns. */
  owned(key: string, node: string): string {
    return `${this.ownedPrefix(key)}${node}`;
  }

  /** Prefix of the channel's owned sets (the scripts append a node). */
  ownedPrefix(key: string): string {
    return `${this.prefix}o:${this.tag(key)}`;
  }

  /** SCAN pattern of every owned set of `node`, and how to read the channel key back from one. */
  ownedPattern(node: string): string {
    return `${globEscape(this.prefix)}o:{*}${globEscape(node)}`;
  }

  keyOfOwned(ownedKey: string, node: string): string {
    return this.untag(ownedKey.slice(this.prefix.length + 2, ownedKey.length - node.length));
  }

  get nodes(): string {
    return `${this.prefix}{nodes}nodes`;
  }

  get heard(): string {
    return `${this.prefix}{nodes}heard`;
  }

  get claims(): string {
    return `${this.prefix}{nodes}claims`;
  }

  topic(key: string): string {
    return `${this.prefix}c:${this.tag(key)}`;
  }

  /** The channel key a topic belongs to. */
  keyOfTopic(topic: string): string {
    return this.untag(topic.slice(this.prefix.length + 2));
  }

  nodeTopic(node: string): string {
    return `${this.nodeTopicPrefix}${this.tag(node)}`;
  }

  get nodeTopicPrefix(): string {
    return `${this.prefix}n:`;
  }

  /** When the uid's ban of the channel ends (in the channel's slot). */
  ban(key: string, uk: string): string {
    return `${this.prefix}b:${this.tag(key)}\n${uk}`;
  }

  /** A stream's kept messages (in the channel's slot). */
  data(key: string, uk: string, streamId: string): string {
    return `${this.prefix}d:${this.tag(key)}\n${streamId}\n${uk}`;
  }

  /** A webhook URL's queue; `urlId` names the URL (a hash). Its lease shares the hash tag, so both sit in one slot. */
  webhookQueue(urlId: string): string {
    return `${this.prefix}wq{${urlId}}`;
  }

  webhookLease(urlId: string): string {
    return `${this.prefix}wl{${urlId}}`;
  }
}

const ESCAPES: Record<string, string> = { '%': '%25', '{': '%7B', '}': '%7D' };
const UNESCAPES: Record<string, string> = { '%25': '%', '%7B': '{', '%7D': '}' };

/** `text` matched literally by a SCAN MATCH pattern. */
const globEscape = (text: string): string => text.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
