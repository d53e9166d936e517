/**
 * One process at a time in the embedded database's data folder. PGlite keeps the whole cluster in
 * one process's memory and writes its files back from there: a second process opening the same
 * folder (the import CLI beside a running server) works on its own copy, and whichever writes last
 * wins, so a commit can be reported done and then vanish. Every process that opens the folder
 * (server/db/embedded.ts) first takes `onemap.lock` in it, created exclusively (link(2) of a file
 * written whole), holding its PID and when that process started; another opener is refused with
 * one line naming the holder.
 *
 * Released when the database is closed and, as a last resort, when the process exits. A process
 * killed outright leaves the file: a lock whose PID is gone (or now belongs to a process started
 * later: PID reuse, told apart by the start time Linux gives in /proc/<pid>/stat) is stale and taken
 * over. Two processes taking over the same stale lock in the same millisecond is not guarded
 * against: both would have to start within that window after a crash.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

export const LOCK_FILE = 'onemap.lock'

export interface LockHolder {
  pid: number
  /** Clock ticks since boot at which the process started (/proc/<pid>/stat field 22); null off Linux. */
  startTicks: number | null
  host: string
  /** What holds it: 'server', 'import'… */
  purpose: string
  since: string
  /** Where the holder can be reached, once it listens (the server's base URL). */
  url?: string
}

export class DataDirInUseError extends Error {
  constructor(readonly dataDir: string, readonly holder: LockHolder) {
    const what = `${holder.purpose}, pid ${holder.pid}${holder.host !== os.hostname() ? ` on ${holder.host}` : ''}, since ${holder.since}`
    const via = holder.url ? `${holder.url}/api/uploads` : "the running server's POST /api/uploads"
    super(`数据目录 ${dataDir} 正被另一个 OneMap 进程使用（${what}）：请先停止它，或通过 ${via} 上传 / ` +
      `the data folder ${dataDir} is in use by another OneMap process (${what}): stop it first, or upload through ${via}`)
  }
}

export interface DataDirLock {
  readonly file: string
  /** Adds to what the lock says about its holder (the server's URL once it listens). */
  annotate(extra: Partial<Pick<LockHolder, 'url'>>): void
  /** Removes the lock if it is still this process's. Idempotent. */
  release(): void
}

/** Start time of a process in clock ticks since boot, from /proc (Linux); null where unknown. */
export function processStartTicks(pid: number): number | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8')
    // The command name (field 2) is in parentheses and may hold spaces: count fields after it.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    const ticks = Number(fields[19])
    return Number.isFinite(ticks) ? ticks : null
  } catch {
    return null
  }
}

/** Is the process that wrote this lock still running? A lock from another host cannot be checked,
 * so it counts as held. */
export function isHeld(holder: LockHolder): boolean {
  if (holder.host !== os.hostname()) return true
  try {
    process.kill(holder.pid, 0)
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ESRCH') return false
    // EPERM: the process exists under another user
  }
  const ticks = processStartTicks(holder.pid)
  return holder.startTicks === null || ticks === null || ticks === holder.startTicks
}

function readHolder(file: string): LockHolder | null {
  try {
    const h = JSON.parse(fs.readFileSync(file, 'utf8')) as LockHolder
    return Number.isInteger(h.pid) && h.pid > 0 ? h : null
  } catch {
    return null // unreadable or half written by a process that died writing it: stale
  }
}

/** The live process holding the data folder, or null when none does (no lock, or a stale one).
 * For those who must not touch a folder in use but need not hold it (restore, backup). */
export function lockHolder(dataDir: string): LockHolder | null {
  const holder = readHolder(path.join(dataDir, LOCK_FILE))
  return holder && isHeld(holder) ? holder : null
}

/** The lock file and the drafts it is written through: not part of the database, never copied. */
export const isLockFile = (name: string) => name === LOCK_FILE || name.startsWith(`${LOCK_FILE}.`)

/** Takes the data folder's lock, or throws DataDirInUseError naming the process that holds it. */
export function lockDataDir(dataDir: string, purpose: string): DataDirLock {
  const file = path.join(dataDir, LOCK_FILE)
  const me: LockHolder = {
    pid: process.pid, startTicks: processStartTicks(process.pid), host: os.hostname(), purpose, since: new Date().toISOString(),
  }
  // Written whole beside, then linked into place: link() fails if the lock exists, and a reader
  // never sees it empty or half written (which it would take for stale).
  const draft = `${file}.${process.pid}`
  fs.writeFileSync(draft, JSON.stringify(me))
  for (let attempt = 0; ; attempt++) {
    try {
      fs.linkSync(draft, file)
      fs.rmSync(draft, { force: true })
      break
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 3) {
        fs.rmSync(draft, { force: true })
        throw e
      }
    }
    const holder = readHolder(file)
    if (holder && isHeld(holder)) {
      fs.rmSync(draft, { force: true })
      throw new DataDirInUseError(dataDir, holder)
    }
    fs.rmSync(file, { force: true }) // stale: its process is gone
  }
  let released = false
  const release = () => {
    if (released) return
    released = true
    process.removeListener('exit', release)
    // only our own: never remove a lock another process took after ours was removed by hand
    if (readHolder(file)?.pid === process.pid) fs.rmSync(file, { force: true })
  }
  process.once('exit', release)
  return {
    file,
    annotate(extra) {
      if (released) return
      Object.assign(me, extra)
      // written beside and renamed over: a reader never sees a half-written lock (which it would take for stale)
      const next = `${file}.${process.pid}`
      fs.writeFileSync(next, JSON.stringify(me))
      fs.renameSync(next, file)
    },
    release,
  }
}
