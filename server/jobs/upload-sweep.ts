/** The upload folder's sweep, on every process's job loop (JobQueue.chore: at start, then every
 * UPLOAD_SWEEP.everyMs). A received file is removed by the process that ran its staging job once
 * the job has ended; two ends have no process left to do it, and this does:
 * - a staging job whose process died at its last attempt is given up (the job table's giveUp; the
 *   upload fails with it, sql/functions/uploads-2-jobs.sql) and its file stays in the folder;
 * - a process that dies between the upload's row and its staging job leaves the upload validating
 *   with no job to carry it on.
 * Such an upload is marked failed with its reason (a move upload_transitions() allows), and a
 * folder of a received file that no upload job still open names is removed. A folder or an upload
 * touched within UPLOAD_SWEEP.graceMs is left alone: a request may be receiving that file, or
 * opening it before its job is made, right now. Only folders named as the upload route names them
 * are looked at, and only in a folder of OneMap's own (ONEMAP_UPLOAD_DIR): the system's temp
 * folder, the default, may hold the received files of another OneMap on another database, which
 * this database's jobs know nothing of (there the OS's temp clean-up removes them). */
import { readdir, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { Db } from '../db/pgp'
import { JOB_MESSAGES } from './queue'

/** The name every folder of a received file starts with (routes/uploads receive()). */
export const RECEIVED_DIR_PREFIX = 'onemap-upload-'

export const UPLOAD_SWEEP = {
  everyMs: 15 * 60_000,
  /** Longer than a request takes to receive a file and open it (the work before its job is made). */
  graceMs: 60 * 60_000,
} as const

export const SWEEP_MESSAGES = {
  stuck: '处理该上传的进程在其任务排队前已停止，未写入任何数据，请重新上传 / the process handling this upload stopped before its work was queued; nothing was written: upload the file again',
} as const

export interface SweepResult {
  /** staging (or other) jobs whose process died at their last attempt, now failed */
  gaveUp: number
  /** uploads left mid-way with no job, now failed */
  failedUploads: number
  /** folders of received files removed */
  removed: string[]
}

/** One sweep of the uploads left mid-way and of the upload folder `dir` (null: no folder of
 * OneMap's own, no file is removed). */
export async function sweepUploads(db: Db, dir: string | null, graceMs: number = UPLOAD_SWEEP.graceMs): Promise<SweepResult> {
  const gaveUp = await db.jobs.giveUp(JOB_MESSAGES.abandoned)
  const failedUploads = await db.jobs.failStuckUploads(graceMs, SWEEP_MESSAGES.stuck)
  if (dir === null) return { gaveUp, failedUploads, removed: [] }
  // The folders first, then what the jobs still read: a job made after the query names a folder
  // received within the grace, which is kept however the two interleave.
  const folders = await receivedFolders(dir)
  const inUse = new Set((await db.jobs.uploadDirsInUse()).map((d) => path.resolve(d)))
  const removed: string[] = []
  const before = Date.now() - graceMs
  for (const f of folders) {
    if (inUse.has(f.path) || f.touched > before) continue
    await rm(f.path, { recursive: true, force: true })
    removed.push(f.path)
  }
  return { gaveUp, failedUploads, removed }
}

/** The folders of received files in `dir`, each with when it or a file in it was last written. */
async function receivedFolders(dir: string): Promise<{ path: string; touched: number }[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return []
    throw e
  })
  const out: { path: string; touched: number }[] = []
  for (const e of entries) {
    if (!e.isDirectory() || !e.name.startsWith(RECEIVED_DIR_PREFIX)) continue
    const folder = path.resolve(dir, e.name)
    try {
      let touched = (await stat(folder)).mtimeMs
      for (const inner of await readdir(folder)) touched = Math.max(touched, (await stat(path.join(folder, inner))).mtimeMs)
      out.push({ path: folder, touched })
    } catch (err) {
      // removed meanwhile by the process that ran its job
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
    }
  }
  return out
}

/** The upload folder when it is OneMap's own (ONEMAP_UPLOAD_DIR set), null when it is the system's temp folder. */
export function ownUploadFolder(tmpDir: string): string | null {
  return path.resolve(tmpDir) === path.resolve(tmpdir()) ? null : tmpDir
}
