/** Folders to and from gzip-compressed tar parts (node-tar), with progress, fsynced. */
import fs from 'node:fs'
import fsp from 'node:fs/promises'
import path from 'node:path'
import { Transform, type TransformCallback } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import zlib from 'node:zlib'
import * as tar from 'tar'
import { fsyncPath, hashFile } from './manifest'

/** files: regular files; dirs: every folder, empty ones included (PostgreSQL needs its empty ones) */
export interface Listing { files: string[]; dirs: string[]; bytes: number }

/** Regular files under root (relative paths, sorted), skipping excluded relative paths and
 * anything that is not a regular file or folder (sockets, for one). */
export async function listFiles(root: string, exclude: (rel: string, isDir: boolean) => boolean = () => false): Promise<Listing> {
  const files: string[] = []
  const dirs: string[] = []
  let bytes = 0
  const walk = async (rel: string) => {
    let entries: fs.Dirent[]
    try {
      entries = await fsp.readdir(path.join(root, rel), { withFileTypes: true })
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT' && rel === '') return
      throw e
    }
    for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const r = rel ? `${rel}/${e.name}` : e.name
      if (exclude(r, e.isDirectory())) continue
      if (e.isDirectory()) {
        dirs.push(r)
        await walk(r)
      }
      else if (e.isFile()) {
        files.push(r)
        bytes += (await fsp.stat(path.join(root, r))).size
      }
    }
  }
  await walk('')
  return { files, dirs, bytes }
}

const counter = (onBytes: (n: number) => void) => new Transform({
  transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback) {
    onBytes(chunk.length)
    done(null, chunk)
  },
})

/** Writes the listed folders and files of root as a .tar.gz at target (fsynced); returns its size
 * and SHA-256. */
export async function packFiles(root: string, { files, dirs }: Pick<Listing, 'files' | 'dirs'>, target: string, onBytes: (n: number) => void): Promise<{ bytes: number; sha256: string }> {
  // folders as entries of their own (not their contents), '.' first so that an empty list still
  // makes a valid archive
  const pack = tar.create({ cwd: root, portable: true, noDirRecurse: true, strict: true }, ['.', ...dirs, ...files])
  await pipeline(pack, counter(onBytes), zlib.createGzip({ level: 6 }), fs.createWriteStream(target, { flags: 'wx', mode: 0o640 }))
  await fsyncPath(target)
  return hashFile(target)
}

/** Unpacks a .tar.gz part into dir (which it creates), refusing absolute paths and `..`. */
export async function unpack(file: string, dir: string, onBytes: (n: number) => void): Promise<void> {
  await fsp.mkdir(dir, { recursive: true })
  await pipeline(fs.createReadStream(file, { highWaterMark: 1 << 20 }), counter(onBytes), tar.extract({ cwd: dir, strict: true }))
}

/** fsyncs every file and folder under dir, then dir itself. */
export async function fsyncTree(dir: string): Promise<void> {
  const entries = await fsp.readdir(dir, { withFileTypes: true })
  for (const e of entries) {
    const p = path.join(dir, e.name)
    if (e.isDirectory()) await fsyncTree(p)
    else if (e.isFile()) await fsyncPath(p)
  }
  await fsyncPath(dir)
}
