export interface LinkTarget {
  host?: string;
  port: number;
}

export interface LinkOptions {
  /** one-way delay added to every chunk, in milliseconds */
  delayMs?: number;
  /** centre → hub pace, bytes per second */
  upBytesPerSecond?: number;
  /** the address the proxy listens on (default 127.0.0.1) */
  host?: string;
}

export declare class LinkProxy {
  constructor(target: () => number | LinkTarget, options?: LinkOptions);
  delayMs: number;
  upBytesPerSecond: number | undefined;
  cuts: number;
  bytesUp: number;
  bytesDown: number;
  port: number;
  /** connections accepted so far */
  opened: number;
  start(port?: number): Promise<number>;
  /** bytes carried towards the hub by the connections accepted after the first `opened` ones */
  bytesUpAfter(opened: number): number;
  cutAfter(bytes: number, times: number): void;
  close(): Promise<void>;
}
