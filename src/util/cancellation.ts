/**
 * A request's "stop now": cheaper than an AbortController (no event target) on a path that
 * creates one per request. Listeners run once, in order, when `cancel` is first called.
 */
export class Cancellation {
  reason: Error | undefined;
  private listeners: ((reason: Error) => void)[] | undefined;

  get cancelled(): boolean {
    return this.reason !== undefined;
  }

  cancel(reason: Error): void {
    if (this.reason !== undefined) return;
    this.reason = reason;
    const fns = this.listeners;
    this.listeners = undefined;
    if (fns) for (const fn of fns) fn(reason);
  }

  /** Run `fn` on cancel (at once when already cancelled). Returns a function that unsubscribes. */
  on(fn: (reason: Error) => void): () => void {
    if (this.reason !== undefined) {
      fn(this.reason);
      return noop;
    }
    (this.listeners ??= []).push(fn);
    return () => {
      const i = this.listeners?.indexOf(fn) ?? -1;
      if (i !== -1) this.listeners?.splice(i, 1);
    };
  }
}

function noop(): void {}
