/** What every export format's writer is given and offers (formats.ts, shapefile.ts, gpkg.ts). */
import type { CollectionDef } from '../ogc/collections'
import type { ExportCrs } from './crs'
import type { Out } from './out'
import type { ExportColumn, ExportRow } from './source'

export interface ExportContext {
  c: CollectionDef
  crs: ExportCrs
  columns: readonly ExportColumn[]
  out: Out
  /** The features the export holds (counted in the same snapshot before the first byte). */
  count: number
  /** The OGC WKT of the CRS from PostGIS's spatial_ref_sys (the GeoPackage's definition). */
  srtext: string
}

export interface Writer {
  add(row: ExportRow): Promise<void>
  end(): Promise<void>
}
