/**
 * A small dBASE (.dbf) reader for shapefile attribute tables.
 *
 * Why not shapefile's own reader: it decodes with TextDecoder, whose GBK support depends on the
 * Node build's ICU, it decodes field names and values with one decoder we cannot correct when
 * a fixed-width field cuts a character in half, and it does not check the header's record
 * count against the file size. The format is simple: a 32-byte header, 32-byte field
 * descriptors ended by 0x0D, then fixed-width records each opening with a deletion flag.
 */
import { open, type FileHandle } from 'node:fs/promises'
import { decodeText } from './encoding'
import { ingestError } from './errors'

export interface DbfField {
  /** Decoded name, set by decodeFieldNames once the encoding is decided. */
  name: string
  nameBytes: Uint8Array
  /** dBASE type letter: C text, N/F number, D date, L logical, others passed through. */
  type: string
  length: number
  decimals: number
  /** Byte offset inside a record (after the deletion flag). */
  offset: number
}

export interface DbfHeader {
  version: number
  recordCount: number
  headerLength: number
  recordLength: number
  /** Language driver id, header byte 29. */
  ldid: number
  fields: DbfField[]
  fileSize: number
}

/** Null for blank; a Date (UTC midnight) for D; the raw text when a number or date is unreadable. */
export type DbfValue = string | number | boolean | Date | null

export interface DbfRecord {
  deleted: boolean
  values: Record<string, DbfValue>
}

/** Read and check the header. `member` names the file in messages. */
export async function readDbfHeader(path: string, member: string): Promise<DbfHeader> {
  const fh = await open(path, 'r')
  try {
    const { size } = await fh.stat()
    if (size < 32) throw ingestError('dbf_corrupt', { member, reason: `only ${size} bytes, shorter than a DBF header` })
    const head = await readAt(fh, 0, 32)
    const recordCount = head.readUInt32LE(4)
    const headerLength = head.readUInt16LE(8)
    const recordLength = head.readUInt16LE(10)
    if (headerLength < 33 || headerLength > size) {
      throw ingestError('dbf_corrupt', { member, reason: `header length ${headerLength} does not fit a ${size}-byte file` })
    }
    const descriptors = await readAt(fh, 32, headerLength - 32)
    const fields = parseFields(descriptors, member)
    const width = 1 + fields.reduce((sum, f) => sum + f.length, 0)
    if (recordLength !== width) {
      throw ingestError('dbf_corrupt', { member, reason: `record length ${recordLength} ≠ 1 + field widths ${width - 1}` })
    }
    // A correct file is header + count × record length, then usually a 0x1A end marker (less
    // than a record of tail is tolerated). A header count that disagrees means a writer
    // crashed or the table was edited by hand: reading on would pair attributes with the
    // wrong shapes.
    const fits = Math.floor((size - headerLength) / recordLength)
    if (fits !== recordCount) throw ingestError('dbf_record_count', { member, claimed: recordCount, actual: fits })
    return { version: head[0], recordCount, headerLength, recordLength, ldid: head[29], fields, fileSize: size }
  } finally {
    await fh.close()
  }
}

function parseFields(buf: Buffer, member: string): DbfField[] {
  const fields: DbfField[] = []
  let offset = 1
  let p = 0
  for (; p + 32 <= buf.length && buf[p] !== 0x0d; p += 32) {
    let end = 0
    while (end < 11 && buf[p + end] !== 0) end++
    const nameBytes = new Uint8Array(buf.subarray(p, p + end))
    const type = String.fromCharCode(buf[p + 11])
    const length = buf[p + 16]
    fields.push({ name: '', nameBytes, type, length, decimals: buf[p + 17], offset })
    offset += length
  }
  if (buf[p] !== 0x0d) throw ingestError('dbf_corrupt', { member, reason: 'no field terminator (0x0D) in the header' })
  return fields
}

/**
 * Set each field's decoded name. Field names are in the table's encoding too (宗地编号 is 8 GBK
 * bytes); duplicates after a cut to 10 bytes get a numeric suffix so no column is lost.
 */
export function decodeFieldNames(header: DbfHeader, encoding: string): string[] {
  const used = new Set<string>()
  for (const f of header.fields) {
    const base = decodeText(f.nameBytes, encoding).trim() || `FIELD_${f.offset}`
    let name = base
    for (let k = 2; used.has(name); k++) name = `${base}_${k}`
    used.add(name)
    f.name = name
  }
  return header.fields.map((f) => f.name)
}

/**
 * Raw bytes of field names and text values for encoding sniffing, stopping after `maxBytes`
 * of records so a huge table is not read twice in full.
 */
export async function sampleTextBytes(
  path: string,
  header: DbfHeader,
  maxBytes: number,
): Promise<{ samples: Uint8Array[]; complete: boolean }> {
  const samples: Uint8Array[] = header.fields.map((f) => f.nameBytes)
  const textFields = header.fields.filter((f) => f.type === 'C')
  if (textFields.length === 0 || header.recordCount === 0) return { samples, complete: true }
  const wanted = Math.min(header.recordCount, Math.max(1, Math.floor(maxBytes / header.recordLength)))
  for await (const raw of rawRecords(path, header, wanted)) {
    for (const f of textFields) {
      const bytes = trimSpaces(raw.subarray(f.offset, f.offset + f.length))
      if (bytes.length) samples.push(bytes)
    }
  }
  return { samples, complete: wanted === header.recordCount }
}

/** Stream the records, decoded. Deleted records are yielded (flagged) to keep shape pairing. */
export async function* readDbfRecords(path: string, header: DbfHeader, encoding: string): AsyncGenerator<DbfRecord> {
  for await (const raw of rawRecords(path, header, header.recordCount)) {
    const values: Record<string, DbfValue> = {}
    for (const f of header.fields) values[f.name] = parseValue(raw.subarray(f.offset, f.offset + f.length), f, encoding)
    yield { deleted: raw[0] === 0x2a, values }
  }
}

const CHUNK_BYTES = 1 << 20

async function* rawRecords(path: string, header: DbfHeader, count: number): AsyncGenerator<Buffer> {
  const fh = await open(path, 'r')
  try {
    const perChunk = Math.max(1, Math.floor(CHUNK_BYTES / header.recordLength))
    let position = header.headerLength
    for (let done = 0; done < count; ) {
      const n = Math.min(perChunk, count - done)
      const buf = await readAt(fh, position, n * header.recordLength)
      for (let i = 0; i < n; i++) yield buf.subarray(i * header.recordLength, (i + 1) * header.recordLength)
      position += n * header.recordLength
      done += n
    }
  } finally {
    await fh.close()
  }
}

async function readAt(fh: FileHandle, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.alloc(length)
  let got = 0
  while (got < length) {
    const { bytesRead } = await fh.read(buf, got, length - got, position + got)
    if (bytesRead === 0) break
    got += bytesRead
  }
  // The header check above guarantees the size, so a short read means the file changed under us.
  if (got < length) throw new Error(`short read: ${got} of ${length} bytes at ${position}`)
  return buf
}

function trimSpaces(bytes: Uint8Array): Uint8Array {
  let start = 0
  let end = bytes.length
  while (end > start && (bytes[end - 1] === 0x20 || bytes[end - 1] === 0)) end--
  while (start < end && bytes[start] === 0x20) start++
  return bytes.subarray(start, end)
}

function parseValue(bytes: Uint8Array, field: DbfField, encoding: string): DbfValue {
  switch (field.type) {
    case 'C': {
      // Trailing spaces are padding; leading ones are kept as data (mapping trims later).
      let end = bytes.length
      while (end > 0 && (bytes[end - 1] === 0x20 || bytes[end - 1] === 0)) end--
      return end === 0 ? null : decodeText(bytes.subarray(0, end), encoding)
    }
    case 'N':
    case 'F': {
      const text = ascii(bytes)
      // Writers fill a number that overflows its width with '*'.
      if (text === '' || /^\*+$/.test(text)) return null
      const n = Number(text.replace(',', '.'))
      return Number.isFinite(n) ? n : text
    }
    case 'D': {
      const text = ascii(bytes)
      if (text === '' || /^0+$/.test(text)) return null
      const m = /^(\d{4})(\d{2})(\d{2})$/.exec(text)
      if (!m) return text
      const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])]
      const date = new Date(Date.UTC(y, mo - 1, d))
      return date.getUTCMonth() === mo - 1 && date.getUTCDate() === d ? date : text
    }
    case 'L': {
      const c = ascii(bytes).toUpperCase()
      if (c === 'Y' || c === 'T') return true
      if (c === 'N' || c === 'F') return false
      return null
    }
    case 'I':
      return bytes.length === 4 ? Buffer.from(bytes).readInt32LE(0) : null
    case 'O':
      return bytes.length === 8 ? Buffer.from(bytes).readDoubleLE(0) : null
    default: {
      // Memo (M) values point into a .dbt that shapefiles do not ship; others are kept as text.
      const text = ascii(bytes)
      return text === '' ? null : field.type === 'M' ? null : decodeText(bytes, encoding).trim()
    }
  }
}

const ascii = (bytes: Uint8Array) => Buffer.from(bytes).toString('latin1').trim()
