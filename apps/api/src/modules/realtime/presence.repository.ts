import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

// The gateway's writes to presence: which specialists have a live connection, on which node.
@Injectable()
export class PresenceRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /** Marks the node's connections as still alive. */
  async heartbeat(nodeId: string): Promise<void> {
    await this.ds.query('UPDATE presence SET last_seen = now() WHERE node_id = $1', [nodeId]);
  }

  async join(socketId: string, userId: string, nodeId: string): Promise<void> {
    await this.ds.query(
      'INSERT INTO presence (socket_id, user_id, node_id) VALUES ($1, $2, $3) ON CONFLICT (socket_id) DO UPDATE SET last_seen = now()',
      [socketId, userId, nodeId],
    );
  }

  async leave(socketId: string): Promise<void> {
    await this.ds.query('DELETE FROM presence WHERE socket_id = $1', [socketId]);
  }

  /** Forgets every connection of a node (it is shutting down). */
  async leaveNode(nodeId: string): Promise<void> {
    await this.ds.query('DELETE FROM presence WHERE node_id = $1', [nodeId]);
  }
}
