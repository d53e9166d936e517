/** The stream an export is written to, with the reader's pace respected (a write waits for
 * 'drain'), so a slow client holds a batch in memory, never the whole file. */
import { PassThrough } from 'node:stream'

export class Out {
  readonly stream = new PassThrough({ highWaterMark: 1 << 20 })

  async write(chunk: string | Buffer): Promise<void> {
    if (this.stream.destroyed) throw new Error('the export was abandoned by its reader')
    if (this.stream.write(chunk)) return
    await new Promise<void>((resolve, reject) => {
      const drained = () => { this.stream.off('close', closed); resolve() }
      const closed = () => { this.stream.off('drain', drained); reject(new Error('the export was abandoned by its reader')) }
      this.stream.once('drain', drained)
      this.stream.once('close', closed)
    })
  }

  end(): void {
    this.stream.end()
  }
}
