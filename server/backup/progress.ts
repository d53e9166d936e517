/** Progress of a backup or restore as events, and the three ways the command line shows them: a
 * bar on a terminal (cli-progress), plain lines otherwise, JSON lines with --json. */
import cliProgress from 'cli-progress'

export type ProgressEvent =
  | { type: 'phase'; phase: string; label: string; total: number; unit: 'bytes' | 'items' }
  | { type: 'progress'; phase: string; done: number; total: number }
  | { type: 'note'; message: string }

export type OnProgress = (e: ProgressEvent) => void

/** One phase: counts what is done and reports at most every 1 % (and at the end). */
export class Phase {
  private done = 0
  private reported = -1
  constructor(private on: OnProgress, readonly phase: string, label: string, private total: number, unit: 'bytes' | 'items' = 'bytes') {
    on({ type: 'phase', phase, label, total, unit })
  }

  add(n: number): void {
    this.done += n
    const step = Math.max(1, Math.floor(this.total / 100))
    if (this.done - this.reported >= step) this.emit()
  }

  finish(): void {
    if (this.done < this.total) this.done = this.total
    if (this.reported !== this.done) this.emit()
  }

  private emit(): void {
    this.reported = this.done
    this.on({ type: 'progress', phase: this.phase, done: Math.min(this.done, this.total), total: this.total })
  }
}

const mb = (n: number) => `${(n / 1048576).toFixed(1)} MB`

/** The renderer the command line asked for. Call close() before printing the result. */
export function progressRenderer(mode: 'json' | 'tty' | 'plain'): { on: OnProgress; close(): void } {
  if (mode === 'json') return { on: (e) => process.stdout.write(JSON.stringify(e) + '\n'), close() {} }
  if (mode === 'plain') {
    let lastTenth = -1
    let unit: 'bytes' | 'items' = 'bytes'
    return {
      on(e) {
        if (e.type === 'phase') {
          unit = e.unit
          lastTenth = -1
          console.log(`${e.label} (${unit === 'bytes' ? mb(e.total) : e.total})`)
        } else if (e.type === 'progress') {
          const tenth = e.total ? Math.floor((e.done / e.total) * 10) : 10
          if (tenth !== lastTenth) {
            lastTenth = tenth
            console.log(`  ${tenth * 10}%  ${unit === 'bytes' ? `${mb(e.done)} / ${mb(e.total)}` : `${e.done} / ${e.total}`}`)
          }
        } else {
          console.log(e.message)
        }
      },
      close() {},
    }
  }
  let bar: cliProgress.SingleBar | null = null
  const stop = () => { bar?.stop(); bar = null }
  return {
    on(e) {
      if (e.type === 'phase') {
        stop()
        const fmt = e.unit === 'bytes'
          ? `${e.label} [{bar}] {percentage}% {doneMb}/{totalMb} MB`
          : `${e.label} [{bar}] {percentage}% {value}/{total}`
        bar = new cliProgress.SingleBar({ format: fmt, hideCursor: true, clearOnComplete: false }, cliProgress.Presets.shades_classic)
        bar.start(Math.max(e.total, 1), 0, { doneMb: '0.0', totalMb: (e.total / 1048576).toFixed(1) })
      } else if (e.type === 'progress') {
        bar?.update(e.done, { doneMb: (e.done / 1048576).toFixed(1) })
      } else {
        stop()
        console.log(e.message)
      }
    },
    close: stop,
  }
}
