/** The upload-layer registry (server/db/repos/uploads/layers.ts): a seventh layer is a table, one
 * registry entry and its SQL, and nothing else. This test makes a throwaway layer of wells (a
 * table of its own, an entry with two fields and a commit statement) and sends a GeoJSON of it
 * through the HTTP API: staged, checked (a missing key rejected, the county decided by where the
 * shape lies, a key repeated in the file rejected), remapped, committed into its table, and a
 * second commit of the same wells updates them in place. No product file knows the layer. */
import { join } from 'node:path'
import type { Feature, FeatureCollection, Polygon } from 'geojson'
import { area as turfArea } from '@turf/turf'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { f, req } from '../../db/repos/uploads/fields'
import { defineUploadLayer } from '../../db/repos/uploads/layers'
import { createTestApp, type TestApp } from '../../test/app'
import { makeTempDir, removeTempDirs, square, writeJson } from '../../test/ingest-helpers'
import { LUOLONG, multipart, seedPlaces, uploadFile } from '../../test/upload-fixture'

let t: TestApp
let analyst: { authorization: string }
let dir: string

// The layer: one registry entry, its SQL beside it (here, as text).
defineUploadLayer('test_wells', {
  table: 'test_well', key: 'code', commitRequired: ['code'],
  fields: [f('code', 'text', '井编号', ['井编号', 'JBH'], req), f('depth_m', 'number', '井深（米）', ['井深', 'JS'], { min: 0 })],
  county: { fromShape: true, fromKeyPrefix: false, required: 'always', checkKeyPrefix: false },
  clusterFromShape: true, outsideCluster: null, overlaps: false,
  sql: {
    commit: `WITH src AS (
        SELECT f.key AS code, f.county_code, (f.values->>'depth_m')::float8 AS depth_m, ST_Multi(f.geom) AS geom
        FROM upload_feature f
        WHERE f.upload_id = \${uploadId}
          AND NOT EXISTS (SELECT 1 FROM upload_issue i WHERE i.upload_id = f.upload_id AND i.idx = f.idx AND i.level = 'error')
      ), written AS (
        INSERT INTO test_well AS w (code, county_code, depth_m, geom) SELECT code, county_code, depth_m, geom FROM src
        ON CONFLICT (code) DO UPDATE SET depth_m = EXCLUDED.depth_m, geom = EXCLUDED.geom
        WHERE w.depth_m IS DISTINCT FROM EXCLUDED.depth_m OR NOT same_shape(w.geom, EXCLUDED.geom)
        RETURNING (xmax = 0) AS inserted
      )
      SELECT count(*) FILTER (WHERE inserted)::int AS inserted, count(*) FILTER (WHERE NOT inserted)::int AS updated,
             ((SELECT count(*) FROM src) - count(*))::int AS unchanged FROM written`,
    checks: [],
    changes: `UPDATE upload_feature f
      SET changed_fields = CASE WHEN w.depth_m IS NOT DISTINCT FROM (f.values->>'depth_m')::float8 AND same_shape(w.geom, f.geom)
                                THEN '{}'::text[] ELSE '{depth_m}'::text[] END
      FROM test_well w WHERE f.upload_id = \${uploadId} AND w.code = f.key`,
    taken: `EXISTS (SELECT 1 FROM test_well w WHERE w.code = f.key AND NOT (w.county_code = ANY(\${scope}::text[])))`,
  },
})

beforeAll(async () => {
  t = await createTestApp()
  await seedPlaces(t.app.db)
  // the layer's table
  await t.app.db.none(`CREATE TABLE test_well (code text PRIMARY KEY, county_code char(6) NOT NULL REFERENCES county,
    depth_m float8, geom geometry(MultiPolygon, 4490) NOT NULL)`)
  analyst = await t.loginAs('analyst', [LUOLONG])
  dir = makeTempDir('onemap-upload-registry-')
})

afterAll(async () => {
  await t?.close()
  removeTempDirs()
})

const well = (code: string | null, lon: number, lat: number, depth: number): Feature<Polygon> => ({
  type: 'Feature', properties: { 井编号: code, 井深: depth }, geometry: square(lon, lat, 0.0005),
})
let n = 0
async function upload(features: Feature<Polygon>[]) {
  const doc: FeatureCollection<Polygon> = { type: 'FeatureCollection', features }
  const body = multipart({ layer: 'test_wells' }, uploadFile(writeJson(join(dir, `w${n++}.geojson`), doc)))
  return t.app.inject({ method: 'POST', url: '/api/uploads', payload: body.payload, headers: { ...body.headers, ...analyst } })
}
const commit = (id: string, payload: Record<string, unknown> = {}) =>
  t.app.inject({ method: 'POST', url: `/api/uploads/${id}/commit`, headers: analyst, payload })

it('a seventh layer made of a table, one registry entry and its SQL uploads, is checked and commits end to end', async () => {
  // in the 洛龙 cluster and county; W-3 has no code, W-4 repeats W-2's
  const features = [well('W-1', 112.40, 34.60, 120), well('W-2', 112.41, 34.60, 80), well(null, 112.42, 34.60, 50), well('W-2', 112.43, 34.60, 60)]
  const res = await upload(features)
  expect(res.statusCode, res.body).toBe(201)
  const { id, report } = res.json()
  expect(report).toMatchObject({ featureCount: 4, accepted: 1, rejected: 3, new: 1 })
  expect(report.byCode).toMatchObject({ value_missing: 1, duplicate_key: 2 })
  // the county of the accepted feature, decided by the county outline holding it
  expect(report.counties).toEqual([expect.objectContaining({ code: LUOLONG, source: 'boundary', features: 1 })])
  expect((await commit(id)).json().code).toBe('upload_has_errors')
  const done = await commit(id, { skipRejected: true })
  expect(done.json()).toEqual({ inserted: 1, updated: 0, unchanged: 0 })
  // in the layer's table, with the area of the square on the ellipsoid (turf: spherical, within 0.5 %)
  const row = await t.app.db.one('SELECT code, county_code, depth_m, ST_Area(geom::geography) AS m2 FROM test_well')
  expect(row).toMatchObject({ code: 'W-1', county_code: LUOLONG, depth_m: 120 })
  expect(Math.abs(row.m2 - turfArea(features[0]!)) / row.m2).toBeLessThan(0.005)

  // again, with a new mapping (the depth left out) and then the depth back: W-1 unchanged, W-2 new
  const again = await upload([well('W-1', 112.40, 34.60, 120), well('W-2', 112.41, 34.60, 80)])
  expect(again.json().report).toMatchObject({ accepted: 2, new: 1, existing: 1, unchanged: 1 })
  const remapped = await t.app.inject({ method: 'PUT', url: `/api/uploads/${again.json().id}/mapping`, headers: analyst,
    payload: { mapping: { code: '井编号', depth_m: null } } })
  expect(remapped.statusCode, remapped.body).toBe(200)
  expect(remapped.json().report).toMatchObject({ accepted: 2, new: 1, existing: 1, changed: 1 })
  const back = await t.app.inject({ method: 'PUT', url: `/api/uploads/${again.json().id}/mapping`, headers: analyst,
    payload: { mapping: { code: '井编号', depth_m: '井深' } } })
  expect(back.json().report).toMatchObject({ accepted: 2, new: 1, unchanged: 1 })
  expect((await commit(again.json().id)).json()).toEqual({ inserted: 1, updated: 0, unchanged: 1 })
  expect(await t.app.db.any('SELECT code, depth_m FROM test_well ORDER BY code')).toEqual([{ code: 'W-1', depth_m: 120 }, { code: 'W-2', depth_m: 80 }])
})
