import { createElement } from 'react';
import { renderToString } from 'react-dom/server';
import { ActionRunner, useAction } from './useAction';

/** A promise the test settles by hand, to look at the runner while the action is under way. */
function deferred() {
  let resolve!: () => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('useAction', () => {
  it('is busy while the action runs and idle with no error after it', async () => {
    const sut = new ActionRunner();
    const step = deferred();
    const done = sut.run(() => step.promise);
    expect(sut.snapshot()).toEqual({ busy: true, busyKey: undefined, error: undefined });
    step.resolve();
    await expect(done).resolves.toBe(true);
    expect(sut.snapshot()).toEqual({ busy: false, busyKey: undefined, error: undefined });
  });

  it('keeps the error of a failed run, and the next run clears it', async () => {
    const sut = new ActionRunner();
    const refused = new Error('refused');
    await expect(sut.run(() => Promise.reject(refused))).resolves.toBe(false);
    expect(sut.snapshot()).toEqual({ busy: false, busyKey: undefined, error: refused });
    const step = deferred();
    const again = sut.run(() => step.promise);
    expect(sut.snapshot().error).toBeUndefined();
    step.resolve();
    await expect(again).resolves.toBe(true);
  });

  it('ignores a second run while the first is under way', async () => {
    const sut = new ActionRunner();
    const step = deferred();
    let calls = 0;
    const first = sut.run(() => {
      calls += 1;
      return step.promise;
    });
    const second = sut.run(() => {
      calls += 1;
      return Promise.resolve();
    });
    await expect(second).resolves.toBe(false);
    expect(calls).toBe(1);
    step.resolve();
    await expect(first).resolves.toBe(true);
    // Once idle, it runs again.
    await expect(sut.run(() => Promise.resolve())).resolves.toBe(true);
  });

  it('names what it works on while busy', async () => {
    const sut = new ActionRunner<string>();
    const step = deferred();
    const done = sut.run(() => step.promise, 'row-2');
    expect(sut.snapshot()).toMatchObject({ busy: true, busyKey: 'row-2' });
    step.resolve();
    await done;
    expect(sut.snapshot().busyKey).toBeUndefined();
  });

  it('shows an error found before running, and forgets it on reset', () => {
    const sut = new ActionRunner();
    const missing = new Error('missing');
    sut.fail(missing);
    expect(sut.snapshot().error).toBe(missing);
    sut.reset();
    expect(sut.snapshot().error).toBeUndefined();
  });

  it('tells the screen of every change while mounted, and nothing after it has gone', async () => {
    const sut = new ActionRunner();
    const seen: boolean[] = [];
    sut.subscribe(() => seen.push(sut.snapshot().busy));
    await sut.run(() => Promise.resolve());
    expect(seen).toEqual([true, false]);

    const step = deferred();
    const late = sut.run(() => step.promise);
    sut.detach();
    step.reject(new Error('answer after the page was left'));
    await expect(late).resolves.toBe(false);
    expect(seen).toEqual([true, false, true]);
    // Mounted again (React's strict mode mounts twice), it is usable and heard again.
    sut.attach();
    await sut.run(() => Promise.resolve());
    expect(seen).toEqual([true, false, true, true, false]);
  });

  it('renders idle on first paint', () => {
    let shown: unknown;
    function Probe() {
      const action = useAction();
      shown = { busy: action.busy, error: action.error, busyKey: action.busyKey };
      return null;
    }
    renderToString(createElement(Probe));
    expect(shown).toEqual({ busy: false, error: undefined, busyKey: undefined });
  });
});
