export * from './identifier-writer.js';
export * from './listener.js';
export * from './negotiation.js';
export * from './part10.js';
export * from './pdu-reader.js';
export * from './scp-base.js';
export * from './sop-classes.js';
export * from './worklist.js';
