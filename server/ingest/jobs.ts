/**
 * The in-process job runner for large uploads (issue 3 §9): jobs run one at a time, in order (the
 * machine's cores and the database's are better spent on one staging than on two fighting), and
 * each reports its phase and percent here, where GET /api/uploads/:id reads it. The upload row
 * keeps the durable state: a job that dies with the process leaves its upload in validating or
 * committing, which the next start marks failed (UploadsRepo.failInterrupted). Nothing is lost
 * that was committed, and nothing half-committed exists (the commit is one transaction).
 */
export interface JobProgress {
  phase: string
  percent: number
}

export type ProgressFn = (phase: string, percent: number) => void

export class JobRunner {
  private tail: Promise<void> = Promise.resolve()
  private readonly live = new Map<string, JobProgress>()
  private readonly pending = new Set<Promise<void>>()

  /** Queue `run` under `id`; errors are the job's own business (it records them on its upload). */
  enqueue(id: string, run: (progress: ProgressFn) => Promise<unknown>, onError?: (e: unknown) => void): void {
    this.live.set(id, { phase: 'queued', percent: 0 })
    const job = this.tail.then(async () => {
      try {
        await run((phase, percent) => this.live.set(id, { phase, percent: Math.round(Math.max(0, Math.min(100, percent)) * 10) / 10 }))
      } catch (e) {
        onError?.(e)
      } finally {
        this.live.delete(id)
      }
    })
    this.tail = job
    this.pending.add(job)
    void job.finally(() => this.pending.delete(job))
  }

  /** Progress of a queued or running job; undefined when none runs under `id`. */
  progress(id: string): JobProgress | undefined {
    return this.live.get(id)
  }

  get size(): number {
    return this.pending.size
  }

  /** Resolves when every job queued so far has finished (app close, tests). */
  async idle(): Promise<void> {
    while (this.pending.size) await Promise.allSettled([...this.pending])
  }
}
