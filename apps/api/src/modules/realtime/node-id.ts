import { randomUUID } from 'node:crypto';

/** This API process, for presence rows (several nodes may run). */
export const NODE_ID = `node-${randomUUID()}`;
