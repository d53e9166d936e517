/**
 * Which text encoding a shapefile's attribute table (.dbf) is in.
 *
 * Shapefiles from Chinese offices usually carry GBK (CP936) text, declared by a .cpg file or not
 * at all (DOMAIN.md, "Units and coordinates"). Guessing wrong silently turns 权利人 into mojibake
 * that then lands in the parcel card, so every decision records where it came from and why.
 * Order of trust: what the user said > .cpg > the DBF language-driver byte > a look at the bytes.
 */
import iconv from 'iconv-lite'
import { ingestError } from './errors'

export type EncodingSource = 'override' | 'cpg' | 'ldid' | 'sniffed' | 'codepage'

export interface EncodingDecision {
  /** An iconv-lite encoding name: 'gbk', 'utf8', 'gb18030', 'windows-1252', ... */
  encoding: string
  source: EncodingSource
  /** Plain words, Chinese first, English after, for the upload preview. */
  reason: string
}

export interface EncodingEvidence {
  /** Encoding the user chose in the upload form. */
  override?: string
  /** Content of the .cpg file, if there is one. */
  cpg?: string
  /** DBF header byte 29, the language driver id (LDID). */
  ldid?: number
  /** Raw text bytes: field names and character-field values, as many as the caller sampled. */
  textSamples?: Iterable<Uint8Array>
  /** Added to a sniffed reason, e.g. that only the first N MiB were looked at. */
  sampleNote?: string
}

/** .cpg spellings seen in the wild, upper-cased with spaces, '-' and '_' removed. */
const CPG_NAMES: Record<string, string> = {
  UTF8: 'utf8',
  '65001': 'utf8',
  GBK: 'gbk',
  '936': 'gbk',
  CP936: 'gbk',
  MS936: 'gbk',
  WINDOWS936: 'gbk',
  ANSI936: 'gbk',
  // GBK is a superset of GB2312 and files labelled GB2312 routinely hold GBK-only characters
  // (e.g. rare characters in enterprise names), so decoding them as GBK loses nothing.
  GB2312: 'gbk',
  '20936': 'gbk',
  EUCCN: 'gbk',
  GB18030: 'gb18030',
  '54936': 'gb18030',
  BIG5: 'cp950',
  '950': 'cp950',
  CP950: 'cp950',
  '1252': 'windows-1252',
  CP1252: 'windows-1252',
  WINDOWS1252: 'windows-1252',
  ANSI1252: 'windows-1252',
  '88591': 'latin1',
  ISO88591: 'latin1',
  LATIN1: 'latin1',
}

/**
 * DBF language driver ids (header byte 29) for the code pages that matter here, after the table
 * GDAL uses (ogrshapelayer.cpp). 0x00 (none) and 0x57 (ESRI's "ANSI": the writer's system code
 * page, which is GBK on a Chinese Windows and cp1252 elsewhere) say nothing and fall through.
 */
export const LDID_ENCODINGS: Readonly<Record<number, string>> = {
  0x01: 'cp437',
  0x02: 'cp850',
  0x03: 'windows-1252',
  0x4d: 'gbk', // 77: CP936, Chinese simplified (what GDAL writes for ENCODING=LDID/77)
  0x4e: 'cp949',
  0x4f: 'cp950',
  0x50: 'cp874',
  0x58: 'windows-1252',
  0x59: 'windows-1252',
  0x64: 'cp852',
  0x65: 'cp866',
  0x78: 'cp950',
  0x79: 'cp949',
  0x7a: 'gbk', // 122: FoxPro's "Chinese GBK (PRC)"
  0x7b: 'cp932',
  0xc8: 'windows-1250',
  0xc9: 'windows-1251',
}

const squash = (s: string) => s.trim().toUpperCase().replace(/[\s_-]+/g, '')

/** Turn a .cpg or user-supplied encoding name into an iconv-lite name; null if unknown. */
export function normaliseEncodingName(name: string): string | null {
  const key = squash(name.replace(/^\uFEFF/, ''))
  if (!key) return null
  const known = CPG_NAMES[key]
  if (known) return known
  // "CP1251", "ANSI 1250", "WINDOWS-874", a bare "866": iconv-lite spells all of them cpNNNN.
  const numeric = /^(?:CP|ANSI|WINDOWS|MS)?(\d{3,5})$/.exec(key)
  if (numeric && iconv.encodingExists(`cp${numeric[1]}`)) return `cp${numeric[1]}`
  const raw = name.trim().toLowerCase()
  return iconv.encodingExists(raw) ? raw : null
}

export const ldidEncoding = (ldid: number): string | null => LDID_ENCODINGS[ldid] ?? null

/**
 * True if `bytes` is well-formed UTF-8. A sequence cut off at the very end is accepted when
 * `allowTruncatedTail` is set, because DBF fields are fixed-width byte slots and writers cut
 * UTF-8 text mid-character to fit them (GDAL turns 宗地编号 into 10 bytes: 宗地编 + one byte).
 */
export function isValidUtf8(bytes: Uint8Array, allowTruncatedTail = true): boolean {
  let i = 0
  const n = bytes.length
  while (i < n) {
    const b = bytes[i]
    if (b < 0x80) {
      i++
      continue
    }
    let need: number
    let min: number
    if (b >= 0xc2 && b <= 0xdf) [need, min] = [1, 0x80]
    else if (b >= 0xe0 && b <= 0xef) [need, min] = [2, 0x800]
    else if (b >= 0xf0 && b <= 0xf4) [need, min] = [3, 0x10000]
    else return false
    if (i + need >= n) {
      // Not enough bytes left for the whole sequence.
      if (!allowTruncatedTail) return false
      for (let k = i + 1; k < n; k++) if ((bytes[k] & 0xc0) !== 0x80) return false
      return true
    }
    let cp = b & (0xff >> (need + 2))
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k]
      if ((c & 0xc0) !== 0x80) return false
      cp = (cp << 6) | (c & 0x3f)
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false
    i += need + 1
  }
  return true
}

/** Length of `bytes` without a multi-byte character cut off at the end by a fixed-width field. */
function completeLength(bytes: Uint8Array, encoding: string): number {
  const n = bytes.length
  if (encoding === 'utf8') {
    // Step back over at most 3 continuation bytes to the last lead byte and see if it is whole.
    let i = n - 1
    while (i >= 0 && i >= n - 4 && (bytes[i] & 0xc0) === 0x80) i--
    if (i < 0 || bytes[i] < 0xc0) return n
    const need = bytes[i] >= 0xf0 ? 4 : bytes[i] >= 0xe0 ? 3 : 2
    return i + need > n ? i : n
  }
  if (/^(gbk|cp936|gb18030|cp950|big5|cp949)$/.test(encoding)) {
    // Double-byte code pages: a byte >= 0x81 opens a two-byte character (four-byte in GB18030
    // when the second byte is a digit). Walk from the start; a lead byte left alone is dropped.
    let i = 0
    while (i < n) {
      if (bytes[i] < 0x81) i++
      else if (encoding === 'gb18030' && i + 1 < n && bytes[i + 1] >= 0x30 && bytes[i + 1] <= 0x39) {
        if (i + 4 > n) return i
        i += 4
      } else {
        if (i + 2 > n) return i
        i += 2
      }
    }
  }
  return n
}

/** Decode DBF bytes, dropping a character that the field width cut in half. */
export function decodeText(bytes: Uint8Array, encoding: string): string {
  const end = completeLength(bytes, encoding)
  return iconv.decode(Buffer.from(bytes.buffer, bytes.byteOffset, end), encoding)
}

/** Validate a user-chosen encoding; throws encoding_unsupported naming it. */
export function requireEncoding(name: string): string {
  const enc = normaliseEncodingName(name)
  if (!enc) throw ingestError('encoding_unsupported', { encoding: name })
  return enc
}

/** Decide from the override, .cpg and LDID alone; null when only a look at the bytes can tell. */
export function declaredEncoding(evidence: Omit<EncodingEvidence, 'textSamples'>): EncodingDecision | null {
  const d = decideWithoutSniffing(evidence)
  return 'encoding' in d ? d : null
}

export function decideEncoding(evidence: EncodingEvidence): EncodingDecision {
  const d = decideWithoutSniffing(evidence)
  return 'encoding' in d ? d : sniff(evidence, d.cpgNote)
}

function decideWithoutSniffing(evidence: EncodingEvidence): EncodingDecision | { cpgNote: string } {
  if (evidence.override != null && evidence.override.trim() !== '') {
    const encoding = requireEncoding(evidence.override)
    return {
      encoding,
      source: 'override',
      reason: `按上传时指定的编码 ${evidence.override} 读取 / read as ${evidence.override}, as stated at upload`,
    }
  }

  let cpgNote = ''
  if (evidence.cpg != null) {
    const declared = evidence.cpg.trim()
    const encoding = normaliseEncodingName(declared)
    if (encoding) {
      return {
        encoding,
        source: 'cpg',
        reason: `.cpg 文件声明编码为 ${declared} / the .cpg file declares ${declared}`,
      }
    }
    // Chinese only: the English half of the reason already says "no usable .cpg".
    cpgNote = `.cpg 内容 “${declared.slice(0, 40)}” 无法识别；`
  }

  if (evidence.ldid != null) {
    const encoding = ldidEncoding(evidence.ldid)
    if (encoding) {
      const hex = `0x${evidence.ldid.toString(16).padStart(2, '0').toUpperCase()}`
      return {
        encoding,
        source: 'ldid',
        reason: `${cpgNote || '无 .cpg 文件；'}按 DBF 头部语言驱动标识 ${hex} 判定为 ${encoding} / ` +
          `no usable .cpg; the DBF language driver byte ${hex} means ${encoding}`,
      }
    }
  }

  return { cpgNote }
}

function sniff(evidence: EncodingEvidence, cpgNote: string): EncodingDecision {
  let nonAscii = 0
  let utf8 = true
  for (const sample of evidence.textSamples ?? []) {
    if (!sample.some((b) => b >= 0x80)) continue
    nonAscii++
    if (!isValidUtf8(sample)) {
      utf8 = false
      break
    }
  }
  const note = evidence.sampleNote ? `（${evidence.sampleNote}）` : ''
  const prefix = `${cpgNote || '无 .cpg 文件；'}DBF 头部未声明编码；/ no usable .cpg and no language driver byte; `
  if (nonAscii === 0) {
    return {
      encoding: 'utf8',
      source: 'sniffed',
      reason: `${prefix}属性文字全部为 ASCII，任何编码读出结果相同${note} / all text is ASCII, every encoding reads it alike`,
    }
  }
  if (utf8) {
    return {
      encoding: 'utf8',
      source: 'sniffed',
      reason: `${prefix}全部非 ASCII 文字都是合法的 UTF-8，按 UTF-8 读取${note} / ` +
        `every non-ASCII text is valid UTF-8, so it is read as UTF-8`,
    }
  }
  return {
    encoding: 'gbk',
    source: 'sniffed',
    reason: `${prefix}文字不是合法的 UTF-8，按国内办公软件常用的 GBK 读取${note} / ` +
      `the text is not valid UTF-8, so it is read as GBK, the usual encoding of Chinese office software`,
  }
}
