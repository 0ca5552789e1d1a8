/** Every open connection of this node, joined or not (shutdown reaches them all; stats count them). */
import type { Connection } from './connection.js';

export class SocketRegistry {
  readonly connections = new Set<Connection>();

  add(conn: Connection): void {
    this.connections.add(conn);
  }

  remove(conn: Connection): void {
    this.connections.delete(conn);
  }

  get size(): number {
    return this.connections.size;
  }
}
