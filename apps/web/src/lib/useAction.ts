import { useEffect, useState, useSyncExternalStore } from 'react';

/** What a screen shows of an action: running (and on what), or the error of the last run. */
export interface ActionState<K> {
  busy: boolean;
  /** what the running action works on (a row's id), when the screen runs one action over many items */
  busyKey: K | undefined;
  error: unknown;
}

/** A screen's action: one run at a time, its error kept for the screen to show. */
export interface Action<K = string> extends ActionState<K> {
  /**
   * Runs `fn` unless a run is under way (a second click while busy is ignored). Clears the previous
   * error first; a thrown error is kept in `error`. True when `fn` completed.
   */
  run: (fn: () => Promise<unknown>, key?: K) => Promise<boolean>;
  /** Shows an error found without running (a check before sending). */
  fail: (error: unknown) => void;
  /** Forgets the error (the form was closed or edited). */
  reset: () => void;
}

const IDLE: ActionState<never> = { busy: false, busyKey: undefined, error: undefined };

/**
 * The state machine behind useAction, apart from React so that it can be tested in Node: it guards
 * against a second run, keeps the error, and changes nothing once its component has gone (a reply
 * arriving after the page was left must not update it).
 */
export class ActionRunner<K = string> {
  private state: ActionState<K> = IDLE;
  private readonly listeners = new Set<() => void>();
  private attached = true;

  readonly snapshot = (): ActionState<K> => this.state;

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  readonly run = async (fn: () => Promise<unknown>, key?: K): Promise<boolean> => {
    if (this.state.busy) return false;
    this.set({ busy: true, busyKey: key, error: undefined });
    try {
      await fn();
      this.set(IDLE);
      return true;
    } catch (error) {
      this.set({ busy: false, busyKey: undefined, error });
      return false;
    }
  };

  readonly fail = (error: unknown): void => this.set({ ...this.state, error });

  readonly reset = (): void => this.set({ ...this.state, error: undefined });

  /** The component is (again) on screen. */
  attach(): void {
    this.attached = true;
  }

  /** The component has gone: later outcomes are dropped. */
  detach(): void {
    this.attached = false;
  }

  private set(next: ActionState<K>): void {
    // The busy flag itself stays exact (it guards the next run); only the screen stops hearing of it.
    this.state = next;
    if (!this.attached) return;
    for (const listener of this.listeners) listener();
  }
}

/**
 * A button's or form's action: `busy` while it runs (a second run meanwhile is ignored), `error` when
 * it failed (show it with ErrorMessage or the area's error box), safe when the component unmounts
 * before the answer arrives.
 */
export function useAction<K = string>(): Action<K> {
  const [runner] = useState(() => new ActionRunner<K>());
  useEffect(() => {
    runner.attach();
    return () => runner.detach();
  }, [runner]);
  const state = useSyncExternalStore(runner.subscribe, runner.snapshot, runner.snapshot);
  return { ...state, run: runner.run, fail: runner.fail, reset: runner.reset };
}
