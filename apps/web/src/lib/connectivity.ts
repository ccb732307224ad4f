// Whether the server answers. When a request cannot reach it, the app shows the "server unreachable"
// page and checks /api/health until the server is back, then returns to where the user was.

type Listener = (up: boolean) => void;

const PROBE_INTERVAL_MS = 3_000;

class Connectivity {
  private up = true;
  private listeners = new Set<Listener>();
  private probe: ReturnType<typeof setTimeout> | undefined;

  isUp(): boolean {
    return this.up;
  }

  subscribe(fn: Listener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  reportUp(): void {
    if (this.up) return;
    this.up = true;
    if (this.probe) clearTimeout(this.probe);
    this.probe = undefined;
    for (const fn of this.listeners) fn(true);
  }

  reportDown(): void {
    if (!this.up) return;
    this.up = false;
    for (const fn of this.listeners) fn(false);
    this.scheduleProbe();
  }

  /** One health check now (the "try again" button). */
  async check(): Promise<boolean> {
    try {
      const res = await fetch('/api/health', { cache: 'no-store' });
      // 503 means the API answers but its database does not: still not usable.
      if (res.status === 200) {
        this.reportUp();
        return true;
      }
    } catch {
      /* still down */
    }
    return false;
  }

  private scheduleProbe(): void {
    if (this.probe) clearTimeout(this.probe);
    this.probe = setTimeout(() => {
      void this.check().then((ok) => {
        if (!ok) this.scheduleProbe();
      });
    }, PROBE_INTERVAL_MS);
  }
}

export const connectivity = new Connectivity();
