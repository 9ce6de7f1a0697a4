/**
 * Runs `work` one run at a time: asked while a run is under way, it runs once more right after it
 * (however often it was asked meanwhile), never twice at once. A failed run goes to `onError`; the
 * next request runs again. `work` checks for itself whether it should still do anything.
 */
export class SerialRun {
  readonly #work: () => Promise<void>;
  readonly #onError: (error: unknown) => void;
  #running: Promise<void> | undefined;
  #again = false;

  constructor(work: () => Promise<void>, onError: (error: unknown) => void) {
    this.#work = work;
    this.#onError = onError;
  }

  request(): void {
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = this.#work()
      .catch(this.#onError)
      .finally(() => {
        this.#running = undefined;
        if (this.#again) {
          this.#again = false;
          this.request();
        }
      });
  }

  /** Settles once no run is under way, the runs asked for meanwhile included. */
  async settled(): Promise<void> {
    while (this.#running) await this.#running;
  }
}
