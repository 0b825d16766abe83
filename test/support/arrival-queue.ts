/** What a test connection has received, taken in order, waiting up to a deadline for more. */
export class ArrivalQueue<T> {
  private readonly items: T[] = [];
  private waiter: (() => void) | undefined;
  private ended = false;

  push(item: T): void {
    this.items.push(item);
    this.waiter?.();
  }

  /** Nothing more will come: a waiting take fails at once instead of at its deadline. */
  end(): void {
    this.ended = true;
    this.waiter?.();
  }

  peek(): T | undefined {
    return this.items[0];
  }

  async take(timeoutMs: number): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    while (this.items.length === 0) {
      if (this.ended) throw new Error('connection closed while waiting for a frame');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no frame within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.waiter = undefined;
    }
    return this.items.shift() as T;
  }
}
