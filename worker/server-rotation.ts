/**
 * Which server the link tries next: the URLs in order, one round at a time. A lost link moves
 * on to the next URL (in a cluster any node resumes the session); backoff grows per full round,
 * so every URL gets a quick try before the link waits longer.
 */
export class ServerRotation {
  private index = 0;
  private tried = 0;

  constructor(private readonly urls: readonly string[]) {}

  get current(): string {
    return this.urls[this.index]!;
  }

  /** A fresh start (join): the first URL. */
  reset(): void {
    this.index = 0;
    this.tried = 0;
  }

  /** The link was lost (or the server is closing): a new round, from the next URL. */
  lost(): void {
    this.advance();
    this.tried = 0;
  }

  /** The attempt at the current URL failed: move on; true when that completes a round of every URL. */
  failed(): boolean {
    this.advance();
    if (++this.tried < this.urls.length) return false;
    this.tried = 0;
    return true;
  }

  private advance(): void {
    this.index = (this.index + 1) % this.urls.length;
  }
}
