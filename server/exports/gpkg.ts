/** The GeoPackage of an export (OGC 12-128r18, version 1.3): one feature table named as the
 * collection, its geometries in the export's CRS as GeoPackage binary (the 8-byte header, then
 * the WKB PostGIS wrote), polygons as MULTIPOLYGON, the CRS's definition from PostGIS's
 * spatial_ref_sys, and the Chinese titles of the fields in gpkg_data_columns (the schema
 * extension, which QGIS shows as aliases).
 *
 * Written with Node's own SQLite (node:sqlite, as server/ingest/gpkg.ts reads one) into a file in
 * a temporary folder, which is sent once complete and removed when the reader has it (or has
 * gone): the file, not memory, holds the features, so a GeoPackage export has no feature limit,
 * like the shapefile's temporary files. */
import fs from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { DatabaseSync, type StatementSync } from 'node:sqlite'
import type { ExportContext, Writer } from './writer'

function gpBlob(srid: number, wkb: Buffer): Uint8Array {
  const h = Buffer.alloc(8)
  h.write('GP', 0, 'latin1')
  h.writeUInt8(0, 2) // version 1
  h.writeUInt8(0x01, 3) // little-endian header, no envelope, not empty
  h.writeInt32LE(srid, 4)
  return Buffer.concat([h, wkb])
}

/** Widens `box` (minx, miny, maxx, maxy) by every position of GeoJSON coordinates. */
function extend(box: number[], c: unknown): void {
  if (!Array.isArray(c)) return
  if (typeof c[0] === 'number') {
    box[0] = Math.min(box[0]!, c[0]); box[1] = Math.min(box[1]!, c[1] as number)
    box[2] = Math.max(box[2]!, c[0]); box[3] = Math.max(box[3]!, c[1] as number)
  } else for (const x of c) extend(box, x)
}

const ident = (s: string) => `"${s.replace(/"/g, '""')}"`

export function writeGeoPackage(ctx: ExportContext): Writer {
  let db: DatabaseSync | null = null
  let insert: StatementSync | null = null
  let dir: string | null = null
  const table = ctx.c.id
  const geometryType = ctx.c.kind === 'point' ? 'POINT' : 'MULTIPOLYGON'
  const box = [Infinity, Infinity, -Infinity, -Infinity]

  async function start(): Promise<void> {
    if (db) return
    dir = await mkdtemp(path.join(os.tmpdir(), 'onemap-export-'))
    // the folder goes once the reader has the last byte (or has gone, the file perhaps still open)
    ctx.out.stream.once('close', () => {
      if (db?.isOpen) db.close()
      void rm(dir!, { recursive: true, force: true })
    })
    db = new DatabaseSync(path.join(dir, `${table}.gpkg`))
    const srs = ctx.crs.srid
    // built once and sent whole: no rollback journal, no waiting for the disk
    db.exec(`PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA application_id = 1196444487; PRAGMA user_version = 10300;
CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT NOT NULL, srs_id INTEGER NOT NULL PRIMARY KEY, organization TEXT NOT NULL,
  organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, description TEXT);
CREATE TABLE gpkg_contents (table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL, identifier TEXT UNIQUE, description TEXT DEFAULT '',
  last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')), min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE,
  srs_id INTEGER, CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id));
CREATE TABLE gpkg_geometry_columns (table_name TEXT NOT NULL, column_name TEXT NOT NULL, geometry_type_name TEXT NOT NULL, srs_id INTEGER NOT NULL,
  z TINYINT NOT NULL, m TINYINT NOT NULL, CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),
  CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name), CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id));
CREATE TABLE gpkg_extensions (table_name TEXT, column_name TEXT, extension_name TEXT NOT NULL, definition TEXT NOT NULL, scope TEXT NOT NULL,
  CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name));
CREATE TABLE gpkg_data_columns (table_name TEXT NOT NULL, column_name TEXT NOT NULL, name TEXT, title TEXT, description TEXT, mime_type TEXT,
  constraint_name TEXT, CONSTRAINT pk_gdc PRIMARY KEY (table_name, column_name), CONSTRAINT gdc_tn UNIQUE (table_name, name));`)
    db.exec(`INSERT INTO gpkg_spatial_ref_sys VALUES ('Undefined cartesian SRS', -1, 'NONE', -1, 'undefined', NULL),
  ('Undefined geographic SRS', 0, 'NONE', 0, 'undefined', NULL),
  ('WGS 84 geodetic', 4326, 'EPSG', 4326, 'GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AXIS["Latitude",NORTH],AXIS["Longitude",EAST],AUTHORITY["EPSG","4326"]]', NULL)`)
    const run = (sql: string, ...values: (string | number | null)[]) => db!.prepare(sql).run(...values)
    if (srs !== 4326) run('INSERT INTO gpkg_spatial_ref_sys VALUES (?, ?, ?, ?, ?, NULL)', ctx.crs.code, srs, 'EPSG', srs, ctx.srtext)
    const cols = ctx.columns.map((c) => `${ident(c.name)} ${c.type === 'Number' ? 'REAL' : c.type === 'Boolean' ? 'BOOLEAN' : 'TEXT'}`)
    db.exec(`CREATE TABLE ${ident(table)} (fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, geom ${geometryType}${cols.map((c) => `, ${c}`).join('')})`)
    run("INSERT INTO gpkg_contents (table_name, data_type, identifier, description, srs_id) VALUES (?, 'features', ?, ?, ?)", table, ctx.c.title, ctx.c.description, srs)
    run('INSERT INTO gpkg_geometry_columns VALUES (?, ?, ?, ?, 0, 0)', table, 'geom', geometryType, srs)
    run("INSERT INTO gpkg_extensions VALUES ('gpkg_data_columns', NULL, 'gpkg_schema', 'http://www.geopackage.org/spec/#extension_schema', 'read-write')")
    for (const c of ctx.columns) run('INSERT INTO gpkg_data_columns (table_name, column_name, name, title) VALUES (?, ?, ?, ?)', table, c.name, c.title, c.title)
    db.exec('BEGIN')
    insert = db.prepare(`INSERT INTO ${ident(table)} (geom${ctx.columns.map((c) => `, ${ident(c.name)}`).join('')}) VALUES (?${ctx.columns.map(() => ', ?').join('')})`)
  }

  return {
    async add(row) {
      await start()
      const values = row.values.map((v) => (typeof v === 'boolean' ? (v ? 1 : 0) : v)) as (string | number | null)[]
      insert!.run(row.wkb ? gpBlob(ctx.crs.srid, row.wkb) : null, ...values)
      if (row.geometry) extend(box, (JSON.parse(row.geometry) as { coordinates: unknown }).coordinates)
    },
    async end() {
      await start()
      if (Number.isFinite(box[0])) db!.prepare('UPDATE gpkg_contents SET min_x = ?, min_y = ?, max_x = ?, max_y = ? WHERE table_name = ?').run(box[0]!, box[1]!, box[2]!, box[3]!, table)
      db!.exec('COMMIT')
      db!.close()
      for await (const chunk of fs.createReadStream(path.join(dir!, `${table}.gpkg`), { highWaterMark: 1 << 20 })) await ctx.out.write(chunk as Buffer)
      await rm(dir!, { recursive: true, force: true })
    },
  }
}
