/** A first-come, first-served limit on how many tasks run at once (the tile service's uncached
 * tile queries). Written here rather than taken from p-limit: the service needs only these few
 * lines and the counts its test reads, and p-limit is in the tree only as an old transitive
 * version (2.x, of qrcode's yargs). */
export class Gate {
  private running = 0
  private waiting: (() => void)[] = []
  /** The most tasks that ran at once since the gate was made. */
  peak = 0

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new Error(`a gate lets at least one task through, not ${limit}`)
  }

  /** Tasks running now. */
  get active(): number {
    return this.running
  }

  /** Tasks waiting for a turn. */
  get queued(): number {
    return this.waiting.length
  }

  /** Runs `task` when fewer than `limit` others run, in the order asked. */
  async run<T>(task: () => Promise<T>): Promise<T> {
    // a finishing task hands its turn to the next waiting one (running stays the same)
    if (this.running >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve))
    else this.running++
    if (this.running > this.peak) this.peak = this.running
    try {
      return await task()
    } finally {
      const next = this.waiting.shift()
      if (next) next()
      else this.running--
    }
  }
}
