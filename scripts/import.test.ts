/** The import CLI as a user runs it: a child process against this test's database. */
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { createTestDatabase, type TestDatabase } from '../server/test/db'
import { PARCEL_ROWS, makeTempDir, parcelCollection, removeTempDirs, writeJson, writeShapefile, zipCli } from '../server/test/ingest-helpers'
import { seedPlaces } from '../server/test/upload-fixture'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
let database: TestDatabase

beforeAll(async () => {
  database = await createTestDatabase()
  await seedPlaces(database.db)
})

afterAll(async () => {
  await database?.drop()
  removeTempDirs()
})

function importCli(...args: string[]) {
  return importCliWith({}, ...args)
}

function importCliWith(env: Record<string, string>, ...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/import.ts', ...args], {
    cwd: ROOT, encoding: 'utf8', env: { ...process.env, DATABASE_URL: database.url, ...env }, timeout: 120_000,
  })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

it('imports a GBK shapefile with --commit, showing progress and the report', async () => {
  const dir = makeTempDir('onemap-import-cli-')
  writeShapefile(dir, parcelCollection(), { epsg: 4546, name: '宗地' })
  const zip = zipCli(join(dir, 'up.zip'), dir, ['宗地.shp', '宗地.shx', '宗地.dbf', '宗地.prj', '宗地.cpg'])
  // The survey rows state areas that do not match the squares: warnings, accepted on the command line.
  const r = importCli(zip, '--layer', 'parcels', '--crs', 'EPSG:4546', '--encoding', 'gbk', '--commit', '--accept-warnings')
  expect(r.code, r.stderr).toBe(0)
  expect(r.stderr).toMatch(/\[#{30}\] 100%/)
  // what was decided for the file, and why
  expect(r.stdout).toContain('文件 source 宗地（shapefile，3 个要素 features）')
  expect(r.stdout).toMatch(/编码 encoding: gbk — 按上传时指定的编码 gbk 读取/)
  expect(r.stdout).toMatch(/坐标系 CRS: EPSG:4546 — 按上传时指定的坐标系读取/)
  expect(r.stdout).toMatch(/要素 features: 3 {3}通过 accepted: 3/)
  expect(r.stdout).toMatch(/area_mismatch 3/)
  expect(r.stdout).toContain('已提交 committed: 新增 inserted 3, 更新 updated 0, 未变 unchanged 0')
  const rows = await database.db.any("SELECT code, owner_name FROM parcel WHERE code LIKE '410300-GX-%' ORDER BY code")
  expect(rows.map((p) => p.owner_name)).toEqual(['洛阳栾川钼业集团股份有限公司', '中信重工机械股份有限公司（洛阳）', '洛阳镕晟新材料有限公司'])
  const u = await database.db.one("SELECT status, created_by, committed_by FROM upload WHERE file_name = 'up.zip'")
  expect(u).toEqual({ status: 'committed', created_by: 'import-cli', committed_by: 'import-cli' })
}, 180_000)

it('says in --json which encoding and CRS it read and why: the .cpg and the .prj', async () => {
  const dir = makeTempDir('onemap-import-cli-json-')
  const rows = PARCEL_ROWS.map((r) => ({ ...r, 宗地编号: `JSON-${r.宗地编号}` }))
  writeShapefile(dir, parcelCollection(rows), { epsg: 4547, name: '宗地' })
  const zip = zipCli(join(dir, 'up.zip'), dir, ['宗地.shp', '宗地.shx', '宗地.dbf', '宗地.prj', '宗地.cpg'])
  const r = importCli(zip, '--layer', 'parcels', '--json')
  expect(r.code, r.stderr).toBe(0)
  const out = JSON.parse(r.stdout)
  expect(out.description.sources).toEqual([expect.objectContaining({
    name: '宗地',
    encoding: expect.objectContaining({ encoding: 'gbk', source: 'cpg' }),
    crs: expect.objectContaining({ epsg: 4547, source: 'prj' }),
  })])
  expect(out.description.sources[0].encoding.reason).toMatch(/the \.cpg file declares/)
  expect(out.description.sources[0].crs.reason).toMatch(/EPSG:4547/)
  expect(out.report).toMatchObject({ featureCount: 3, new: 3 })
}, 180_000)

it('waits for the analysis refresh a large parcel upload leaves for right after its commit', async () => {
  await database.db.one('SELECT analysis.refresh_all(luoyang_today())')
  const dir = makeTempDir('onemap-import-cli-defer-')
  const doc = parcelCollection()
  for (const f of doc.features) (f.properties as Record<string, unknown>)['宗地编号'] = `DEFER-${(f.properties as Record<string, string>)['宗地编号']}`
  const file = writeJson(join(dir, 'defer.geojson'), doc)
  // every upload of more than one parcel defers its refresh here
  const r = importCliWith({ ONEMAP_UPLOAD_DEFER_ANALYSIS_FEATURES: '1' }, file, '--layer', 'parcels', '--commit', '--accept-warnings')
  expect(r.code, r.stderr).toBe(0)
  expect(r.stderr).toMatch(/分析 analysing/)
  expect(r.stdout).toContain('已提交 committed: 新增 inserted 3')
  expect(await database.db.one('SELECT count(*)::int AS n FROM analysis.pending_parcel', [], (x) => x.n)).toBe(0)
  expect(await database.db.one('SELECT analysis.materialised_for(luoyang_today()) AS m', [], (x) => x.m)).toBe(true)
}, 180_000)

it('exits non-zero naming the problem: a broken file, a refused commit, a bad argument', async () => {
  const dir = makeTempDir('onemap-import-cli-')
  const points = writeJson(join(dir, 'pts.geojson'), { type: 'FeatureCollection', features: [{ type: 'Feature', properties: {}, geometry: { type: 'Point', coordinates: [112.4, 34.6] } }] })
  const broken = importCli(points, '--layer', 'parcels')
  expect(broken.code).toBe(1)
  expect(broken.stderr).toMatch(/Point; the parcels layer needs Polygon/)

  const warned = importCli(writeJson(join(dir, 'w.geojson'), parcelCollection()), '--layer', 'parcels', '--commit')
  expect(warned.code).toBe(1)
  expect(warned.stderr).toMatch(/warning\(s\).*acceptWarnings/)

  const usage = importCli(points)
  expect(usage.code).toBe(2)
  expect(usage.stderr).toContain('--layer is required')
}, 180_000)

it('runs the upgrade guard as the server does: a database in use with a pending migration and no backup is refused in one line, nothing read', async () => {
  const other = await createTestDatabase()
  try {
    // the last migration made pending again: the guard refuses before any migration runs
    const last = await other.db.one("SELECT name FROM schema_migration ORDER BY substring(name FROM '^[0-9]+')::int DESC, name DESC LIMIT 1", [], (r: { name: string }) => r.name)
    await other.db.none('DELETE FROM schema_migration WHERE name = $1', [last])
    const dir = makeTempDir('onemap-import-cli-guard-')
    const file = writeJson(join(dir, 'g.geojson'), parcelCollection())
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/import.ts', file, '--layer', 'parcels'], {
      cwd: ROOT, encoding: 'utf8', timeout: 120_000,
      env: { ...process.env, DATABASE_URL: other.url, ONEMAP_BACKUP_DIR: join(dir, 'backups'), ONEMAP_MIGRATE_REQUIRE_BACKUP_HOURS: '24', ONEMAP_MIGRATE_WITHOUT_BACKUP: 'false' },
    })
    expect(r.status, r.stderr).toBe(1)
    expect(r.stderr.trim().split('\n')).toHaveLength(1)
    expect(r.stderr).toMatch(new RegExp(`^import: 1 pending \\(${last.replace(/\./g, '\\.')}\\) and no backup younger than 24 h in .*: run npm run backup first`))
    expect(await other.db.one('SELECT count(*)::int AS n FROM upload', [], (x: { n: number }) => x.n)).toBe(0)
    expect(await other.db.oneOrNone('SELECT 1 FROM schema_migration WHERE name = $1', [last])).toBeNull()
  } finally {
    await other.drop()
  }
}, 180_000)
