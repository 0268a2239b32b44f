/**
 * Identical reads asked for while one is running share the next one. Every caller gets an answer
 * read after it asked (never one that started before, which could miss a write it just made), and
 * a burst of N identical requests (fifty people typing `/deploy list` at once) costs at most two
 * reads instead of N, each of them CPU the event loop would otherwise take from acknowledging
 * the rest of the burst.
 */
export class FreshSharedReads<T> {
  private readonly running = new Map<string, Promise<T>>();
  private readonly queued = new Map<string, Promise<T>>();

  /** `read` is what `key` names: calls with the same key must read the same thing. */
  get(key: string, read: () => Promise<T>): Promise<T> {
    const queued = this.queued.get(key);
    if (queued) return queued;
    const running = this.running.get(key);
    if (!running) return this.start(key, read);
    // Started before this caller asked: wait for it to end, then read afresh, once for all who wait.
    const next = running.then(
      () => this.startQueued(key, read),
      () => this.startQueued(key, read),
    );
    this.queued.set(key, next);
    return next;
  }

  private startQueued(key: string, read: () => Promise<T>): Promise<T> {
    this.queued.delete(key);
    return this.start(key, read);
  }

  private start(key: string, read: () => Promise<T>): Promise<T> {
    const reading = read().finally(() => {
      if (this.running.get(key) === reading) this.running.delete(key);
    });
    this.running.set(key, reading);
    return reading;
  }
}
