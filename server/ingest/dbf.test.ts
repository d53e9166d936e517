import { readFileSync, truncateSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { type DbfRecord, decodeFieldNames, readDbfHeader, readDbfRecords, sampleTextBytes } from './dbf'
import {
  PARCEL_ROWS, expectIngestError, makeTempDir, parcelCollection, removeTempDirs, writeShapefile,
} from '../test/ingest-helpers'

afterAll(removeTempDirs)

const dbfOf = (shp: string) => shp.replace(/\.shp$/, '.dbf')

async function readAll(path: string, encoding: string): Promise<DbfRecord[]> {
  const header = await readDbfHeader(path, 'test.dbf')
  decodeFieldNames(header, encoding)
  const out: DbfRecord[] = []
  for await (const r of readDbfRecords(path, header, encoding)) out.push(r)
  return out
}

describe('readDbfHeader + readDbfRecords on GDAL output', () => {
  it('decodes GBK field names and values exactly', async () => {
    const dbf = dbfOf(writeShapefile(makeTempDir(), parcelCollection(), { epsg: 4546, encoding: 'GBK' }))
    const header = await readDbfHeader(dbf, 'parcels.dbf')
    expect(header.recordCount).toBe(PARCEL_ROWS.length)
    expect(decodeFieldNames(header, 'gbk')).toEqual(['宗地编号', '权利人', '用地面积', '土地用途'])
    const records = await readAll(dbf, 'gbk')
    expect(records.map((r) => r.values)).toEqual(PARCEL_ROWS.map((r) => ({ ...r })))
    expect(records.every((r) => !r.deleted)).toBe(true)
  })

  it('drops the half character GDAL leaves when it cuts a UTF-8 name to 10 bytes', async () => {
    const dbf = dbfOf(writeShapefile(makeTempDir(), parcelCollection(), { epsg: 4546, encoding: 'UTF-8' }))
    const header = await readDbfHeader(dbf, 'parcels.dbf')
    // 宗地编号 is 12 UTF-8 bytes; 用地面积 too; 权利人 (9) fits.
    expect(decodeFieldNames(header, 'utf8')).toEqual(['宗地编', '权利人', '用地面', '土地用'])
    const records = await readAll(dbf, 'utf8')
    expect(records[0].values['权利人']).toBe(PARCEL_ROWS[0].权利人)
  })

  it('reads dates as UTC-midnight Dates, numbers as numbers, blanks as null', async () => {
    const rows = [
      { ZDBH: 'A', QDRQ: '2021-03-05', JG: 1234.5, BZ: '' },
      { ZDBH: 'B', QDRQ: null, JG: null, BZ: '备注' },
    ]
    const dbf = dbfOf(writeShapefile(makeTempDir(), parcelCollection(rows), { epsg: 4490 }))
    const header = await readDbfHeader(dbf, 'x.dbf')
    expect(header.fields.map((f) => f.type)).toEqual(['C', 'D', 'N', 'C'])
    const [a, b] = (await readAll(dbf, 'gbk')).map((r) => r.values)
    expect(a.QDRQ).toEqual(new Date(Date.UTC(2021, 2, 5)))
    expect(a.JG).toBe(1234.5)
    expect(a.BZ).toBeNull()
    expect(b.QDRQ).toBeNull()
    expect(b.JG).toBeNull()
    expect(b.BZ).toBe('备注')
  })

  it('flags records marked deleted (0x2A) so their shapes can be skipped with them', async () => {
    const dbf = dbfOf(writeShapefile(makeTempDir(), parcelCollection(), { epsg: 4490 }))
    const bytes = readFileSync(dbf)
    const header = await readDbfHeader(dbf, 'x.dbf')
    bytes[header.headerLength + header.recordLength] = 0x2a // second record
    writeFileSync(dbf, bytes)
    expect((await readAll(dbf, 'gbk')).map((r) => r.deleted)).toEqual([false, true, false])
  })

  it('streams across read chunks without losing or repeating a record', async () => {
    const rows = Array.from({ length: 5000 }, (_, i) => ({ ZDBH: `Z${i}`, 权利人: `企业${i}`, 备注: 'x'.repeat(200) }))
    const dbf = dbfOf(writeShapefile(makeTempDir(), parcelCollection(rows), { epsg: 4490 }))
    const records = await readAll(dbf, 'gbk')
    expect(records).toHaveLength(5000)
    expect(records[4999].values).toMatchObject({ ZDBH: 'Z4999', 权利人: '企业4999' })
    expect(new Set(records.map((r) => r.values.ZDBH)).size).toBe(5000)
  })

  it('samples names and text values for sniffing, within the byte budget', async () => {
    const dbf = dbfOf(writeShapefile(makeTempDir(), parcelCollection(), { epsg: 4490 }))
    const header = await readDbfHeader(dbf, 'x.dbf')
    const all = await sampleTextBytes(dbf, header, 1 << 20)
    expect(all.complete).toBe(true)
    // 4 names + 3 records × 3 text fields (用地面积 is numeric)
    expect(all.samples).toHaveLength(4 + 9)
    const one = await sampleTextBytes(dbf, header, header.recordLength)
    expect(one.complete).toBe(false)
    expect(one.samples).toHaveLength(4 + 3)
  })
})

describe('broken DBFs', () => {
  function gdalDbf(): string {
    return dbfOf(writeShapefile(makeTempDir(), parcelCollection(), { epsg: 4490 }))
  }

  it.each([[1], [-1], [100]])('refuses a header record count off by %i', async (delta) => {
    const dbf = gdalDbf()
    const bytes = readFileSync(dbf)
    bytes.writeUInt32LE(PARCEL_ROWS.length + delta, 4)
    writeFileSync(dbf, bytes)
    await expectIngestError(readDbfHeader(dbf, '宗地.dbf'), 'dbf_record_count', '宗地.dbf',
      `${PARCEL_ROWS.length + delta}`, `holds ${PARCEL_ROWS.length}`)
  })

  it('refuses a table cut short in the last record', async () => {
    const dbf = gdalDbf()
    truncateSync(dbf, readFileSync(dbf).length - 30)
    const e = await expectIngestError(readDbfHeader(dbf, '宗地.dbf'), 'dbf_record_count', '宗地.dbf')
    expect(e.status).toBe(422)
  })

  it('refuses a file shorter than a header', async () => {
    const dbf = join(makeTempDir(), 'tiny.dbf')
    writeFileSync(dbf, Buffer.from([3, 1, 2]))
    await expectIngestError(readDbfHeader(dbf, 'tiny.dbf'), 'dbf_corrupt', 'tiny.dbf')
  })

  it('refuses a record length that disagrees with the fields', async () => {
    const dbf = gdalDbf()
    const bytes = readFileSync(dbf)
    bytes.writeUInt16LE(bytes.readUInt16LE(10) + 1, 10)
    writeFileSync(dbf, bytes)
    await expectIngestError(readDbfHeader(dbf, 'x.dbf'), 'dbf_corrupt', 'record length')
  })
})
