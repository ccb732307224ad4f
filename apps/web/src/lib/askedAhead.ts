/**
 * Answers asked for ahead of the screen that will ask for them (app/prefetch.ts, while the app starts), handed to
 * that screen's own first request once: one request, made earlier. Kept briefly, so that a later opening asks the
 * server again; a failed one is dropped, so that the screen's own request says what is wrong.
 */
export function askedAhead<T>(keepMs = 20_000) {
  const entries = new Map<string, { at: number; answer: Promise<T> }>();
  const fresh = (key: string) => {
    const hit = entries.get(key);
    return hit && Date.now() - hit.at < keepMs ? hit : undefined;
  };
  return {
    /** The answer asked for ahead under `key`, or `request()` asked for now and kept. */
    ask(key: string, request: () => Promise<T>): Promise<T> {
      const hit = fresh(key);
      if (hit) return hit.answer;
      const answer = request();
      answer.catch(() => {
        if (entries.get(key)?.answer === answer) entries.delete(key);
      });
      entries.set(key, { at: Date.now(), answer });
      return answer;
    },
    /** The answer asked for ahead, if any, taken: a second read asks the server. */
    take(key: string): Promise<T> | undefined {
      const hit = fresh(key);
      entries.delete(key);
      return hit?.answer;
    },
  };
}
