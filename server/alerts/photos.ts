/** Field photos of an inspector's finding: JPEG or PNG recognised by their first bytes (never by the name or
 * the declared type), stored outside the database under their sha256 (the row keeps the hash), and
 * checked against it when served, so that a file changed on disk is never passed off as evidence. */
import crypto from 'node:crypto'
import fs from 'node:fs/promises'
import path from 'node:path'

export type PhotoType = 'image/jpeg' | 'image/png'

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])

/** The image type by magic bytes: JPEG starts FF D8 FF (SOI and a marker), PNG with its 8-byte signature. */
export function imageType(data: Buffer): PhotoType | null {
  if (data.length >= 4 && data[0] === 0xff && data[1] === 0xd8 && data[2] === 0xff) return 'image/jpeg'
  if (data.length >= 16 && data.subarray(0, 8).equals(PNG)) return 'image/png'
  return null
}

export const sha256 = (data: Buffer) => crypto.createHash('sha256').update(data).digest('hex')

/** The file of a photo: two levels by hash, so that no directory grows too large. */
export function photoPath(dir: string, hash: string, type: PhotoType): string {
  if (!/^[0-9a-f]{64}$/.test(hash)) throw new Error(`not a sha256: ${hash}`)
  return path.join(dir, hash.slice(0, 2), `${hash}${type === 'image/png' ? '.png' : '.jpg'}`)
}

/** Writes the photo (once: the same bytes are the same file), via a temporary name and a rename,
 * so that a reader never sees half a file. */
export async function storePhoto(dir: string, data: Buffer, type: PhotoType): Promise<{ sha256: string; file: string }> {
  const hash = sha256(data)
  const file = photoPath(dir, hash, type)
  try {
    await fs.access(file)
    return { sha256: hash, file }
  } catch { /* not there yet */ }
  await fs.mkdir(path.dirname(file), { recursive: true })
  const tmp = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`
  await fs.writeFile(tmp, data, { mode: 0o640 })
  await fs.rename(tmp, file)
  return { sha256: hash, file }
}

export class PhotoFileError extends Error {
  constructor(readonly reason: 'missing' | 'altered', file: string) {
    super(`photo file ${reason}: ${file}`)
  }
}

/** The photo's bytes, verified against the hash the database keeps. */
export async function readPhoto(dir: string, hash: string, type: PhotoType): Promise<Buffer> {
  const file = photoPath(dir, hash, type)
  let data: Buffer
  try {
    data = await fs.readFile(file)
  } catch {
    throw new PhotoFileError('missing', file)
  }
  if (sha256(data) !== hash) throw new PhotoFileError('altered', file)
  return data
}
