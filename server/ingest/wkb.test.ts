/** The EWKB writer, read back by PostGIS's own parser (an independent reader of the format). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDatabase, type TestDatabase } from '../test/db'
import { toEwkbHex } from './wkb'

let t: TestDatabase

beforeAll(async () => {
  t = await createTestDatabase()
})

afterAll(async () => {
  await t?.drop()
})

const read = (hex: string) => t.db.one('SELECT ST_AsText($1::geometry) AS wkt, ST_SRID($1::geometry) AS srid', [hex])

describe('toEwkbHex', () => {
  it('writes a Polygon with a hole as a MultiPolygon with its SRID', async () => {
    const { hex, closedRings, shortRings } = toEwkbHex({
      type: 'Polygon',
      coordinates: [
        [[500000.5, 3830000.25], [500100, 3830000], [500100, 3830100], [500000, 3830100], [500000.5, 3830000.25]],
        [[500010, 3830010], [500010, 3830020], [500020, 3830020], [500010, 3830010]],
      ],
    }, 4546)
    expect({ closedRings, shortRings }).toEqual({ closedRings: 0, shortRings: 0 })
    expect(await read(hex!)).toEqual({
      wkt: 'MULTIPOLYGON(((500000.5 3830000.25,500100 3830000,500100 3830100,500000 3830100,500000.5 3830000.25),' +
        '(500010 3830010,500010 3830020,500020 3830020,500010 3830010)))',
      srid: 4546,
    })
  })

  it('writes a MultiPolygon part by part', async () => {
    const { hex } = toEwkbHex({
      type: 'MultiPolygon',
      coordinates: [
        [[[112.4, 34.6], [112.41, 34.6], [112.41, 34.61], [112.4, 34.6]]],
        [[[112.5, 34.7], [112.51, 34.7], [112.51, 34.71], [112.5, 34.7]]],
      ],
    }, 4490)
    expect(await read(hex!)).toEqual({
      wkt: 'MULTIPOLYGON(((112.4 34.6,112.41 34.6,112.41 34.61,112.4 34.6)),((112.5 34.7,112.51 34.7,112.51 34.71,112.5 34.7)))',
      srid: 4490,
    })
  })

  it('closes an unclosed ring and says so', async () => {
    const r = toEwkbHex({ type: 'Polygon', coordinates: [[[0, 0], [10, 0], [10, 10], [0, 10]]] }, 4546)
    expect(r.closedRings).toBe(1)
    expect((await read(r.hex!)).wkt).toBe('MULTIPOLYGON(((0 0,10 0,10 10,0 10,0 0)))')
  })

  it('refuses a ring of fewer than 4 positions, which PostGIS would refuse mid-COPY', () => {
    expect(toEwkbHex({ type: 'Polygon', coordinates: [[[0, 0], [10, 0], [0, 0]]] }, 4546)).toEqual({ hex: null, closedRings: 0, shortRings: 1 })
    expect(toEwkbHex({ type: 'Polygon', coordinates: [[[0, 0], [10, 0]]] }, 4546)).toMatchObject({ hex: null, closedRings: 1, shortRings: 1 })
  })
})
