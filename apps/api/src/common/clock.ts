/** The time, injectable so timer tests move it instead of sleeping. */
export interface Clock {
  now(): Date;
}

export const CLOCK = Symbol('CLOCK');

export const systemClock: Clock = { now: () => new Date() };

/** A clock tests set and advance. */
export class ManualClock implements Clock {
  private offsetMs = 0;
  private frozen: number | null = null;
  now(): Date {
    return new Date(this.frozen ?? Date.now() + this.offsetMs);
  }
  advance(ms: number): void {
    if (this.frozen !== null) this.frozen += ms;
    else this.offsetMs += ms;
  }
  /** Stops the clock at this instant: it moves only with advance(). */
  freeze(at: Date): void {
    this.frozen = at.getTime();
  }
}
