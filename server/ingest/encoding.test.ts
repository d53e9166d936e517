import { existsSync, readFileSync } from 'node:fs'
import { afterAll, describe, expect, it } from 'vitest'
import iconv from 'iconv-lite'
import { decideEncoding, decodeText, isValidUtf8, normaliseEncodingName } from './encoding'
import { expectIngestError, makeTempDir, parcelCollection, removeTempDirs, writeShapefile } from '../test/ingest-helpers'

afterAll(removeTempDirs)

const gbk = (s: string) => new Uint8Array(iconv.encode(s, 'gbk'))
const utf8 = (s: string) => new Uint8Array(Buffer.from(s, 'utf8'))

describe('normaliseEncodingName', () => {
  it.each([
    ['GBK', 'gbk'], ['gbk\r\n', 'gbk'], ['936', 'gbk'], ['CP936', 'gbk'], ['ANSI 936', 'gbk'],
    ['GB2312', 'gbk'], ['GB18030', 'gb18030'], ['UTF-8', 'utf8'], ['UTF8', 'utf8'], ['utf_8', 'utf8'],
    ['65001', 'utf8'], ['\uFEFFUTF-8', 'utf8'], ['1252', 'windows-1252'], ['88591', 'latin1'],
    ['Big5', 'cp950'], ['CP1251', 'cp1251'],
  ])('%j → %s', (given, expected) => {
    expect(normaliseEncodingName(given)).toBe(expected)
  })

  it.each(['', 'System', 'OEM', 'no such thing'])('%j is unknown', (given) => {
    expect(normaliseEncodingName(given)).toBeNull()
  })
})

describe('isValidUtf8 and decodeText', () => {
  it('accepts UTF-8 and refuses GBK bytes of the same text', () => {
    expect(isValidUtf8(utf8('洛阳市宗地编号'))).toBe(true)
    expect(isValidUtf8(gbk('洛阳市宗地编号'))).toBe(false)
  })

  it('accepts a character cut off by a fixed-width field only at the very end', () => {
    const cut = utf8('宗地编号').subarray(0, 10) // what GDAL writes into a 10-byte DBF name
    expect(isValidUtf8(cut)).toBe(true)
    expect(isValidUtf8(cut, false)).toBe(false)
    expect(isValidUtf8(new Uint8Array([0xe5, 0x41, 0x41]))).toBe(false)
  })

  it('refuses overlong forms and surrogates', () => {
    expect(isValidUtf8(new Uint8Array([0xc0, 0xaf]))).toBe(false)
    expect(isValidUtf8(new Uint8Array([0xed, 0xa0, 0x80]))).toBe(false)
  })

  it('drops the half character instead of emitting U+FFFD', () => {
    expect(decodeText(utf8('宗地编号').subarray(0, 10), 'utf8')).toBe('宗地编')
    expect(decodeText(gbk('A宗地编号').subarray(0, 8), 'gbk')).toBe('A宗地编')
    expect(decodeText(gbk('洛阳镕晟'), 'gbk')).toBe('洛阳镕晟')
  })
})

describe('decideEncoding', () => {
  it('lets the user override everything', () => {
    const d = decideEncoding({ override: 'GB18030', cpg: 'UTF-8', ldid: 0x4d })
    expect(d).toMatchObject({ encoding: 'gb18030', source: 'override' })
  })

  it('refuses an override it cannot decode', async () => {
    await expectIngestError(() => decideEncoding({ override: 'klingon' }), 'encoding_unsupported', 'klingon')
  })

  it('prefers .cpg over the language driver byte', () => {
    const d = decideEncoding({ cpg: 'UTF-8', ldid: 0x4d })
    expect(d).toMatchObject({ encoding: 'utf8', source: 'cpg' })
    expect(d.reason).toContain('UTF-8')
  })

  it('reads LDID 0x4D as GBK when there is no .cpg', () => {
    const d = decideEncoding({ ldid: 0x4d })
    expect(d).toMatchObject({ encoding: 'gbk', source: 'ldid' })
    expect(d.reason).toContain('0x4D')
  })

  it('falls through an unrecognised .cpg and says so', () => {
    const d = decideEncoding({ cpg: 'System', ldid: 0x4d })
    expect(d.source).toBe('ldid')
    expect(d.reason).toContain('System')
  })

  it.each([0x00, 0x57])('sniffs when LDID is 0x%s', (ldid) => {
    expect(decideEncoding({ ldid, textSamples: [gbk('权利人'), gbk('洛阳栾川钼业集团股份有限公司')] }))
      .toMatchObject({ encoding: 'gbk', source: 'sniffed' })
    expect(decideEncoding({ ldid, textSamples: [utf8('权利人'), utf8('洛阳栾川钼业集团股份有限公司')] }))
      .toMatchObject({ encoding: 'utf8', source: 'sniffed' })
  })

  it('calls all-ASCII text UTF-8 and says it does not matter', () => {
    const d = decideEncoding({ textSamples: [utf8('ZDBH'), utf8('410300-001')] })
    expect(d).toMatchObject({ encoding: 'utf8', source: 'sniffed' })
    expect(d.reason).toContain('ASCII')
  })

  it('is GBK as soon as one sample is not UTF-8', () => {
    const samples = [utf8('ZDBH'), utf8('宗地'), gbk('权利人')]
    expect(decideEncoding({ textSamples: samples }).encoding).toBe('gbk')
  })
})

/** What GDAL 3.6 actually writes, checked byte by byte (not what we assume it writes). */
describe('GDAL-written DBFs', () => {
  const ldidOf = (dbf: string) => readFileSync(dbf)[29]
  const cpgOf = (shp: string) => {
    const cpg = shp.replace(/\.shp$/, '.cpg')
    return existsSync(cpg) ? readFileSync(cpg, 'latin1') : undefined
  }

  it('ENCODING=GBK: a .cpg saying GBK, and LDID 0x00', () => {
    const shp = writeShapefile(makeTempDir(), parcelCollection(), { epsg: 4546, encoding: 'GBK' })
    expect(cpgOf(shp)).toBe('GBK')
    expect(ldidOf(shp.replace(/\.shp$/, '.dbf'))).toBe(0x00)
    expect(decideEncoding({ cpg: cpgOf(shp), ldid: 0 })).toMatchObject({ encoding: 'gbk', source: 'cpg' })
  })

  it('ENCODING=LDID/77: no .cpg, LDID 0x4D', () => {
    const shp = writeShapefile(makeTempDir(), parcelCollection(), { epsg: 4546, encoding: 'LDID/77' })
    expect(cpgOf(shp)).toBeUndefined()
    expect(ldidOf(shp.replace(/\.shp$/, '.dbf'))).toBe(0x4d)
  })

  it('ENCODING=UTF-8: a .cpg saying UTF-8, LDID 0x00', () => {
    const shp = writeShapefile(makeTempDir(), parcelCollection(), { epsg: 4546, encoding: 'UTF-8' })
    expect(cpgOf(shp)).toBe('UTF-8')
    expect(ldidOf(shp.replace(/\.shp$/, '.dbf'))).toBe(0x00)
  })

  it('no ENCODING option: no .cpg, LDID 0x57 (ESRI "ANSI"), which decides nothing', () => {
    const ascii = parcelCollection([{ ZDBH: '410300-001' }])
    const shp = writeShapefile(makeTempDir(), ascii, { epsg: 4546, encoding: null })
    expect(cpgOf(shp)).toBeUndefined()
    expect(ldidOf(shp.replace(/\.shp$/, '.dbf'))).toBe(0x57)
    expect(decideEncoding({ ldid: 0x57 }).source).toBe('sniffed')
  })
})
