/**
 * The types every upload reader shares (read-features.ts for shapefiles, GeoJSON and coordinate
 * TXTs; layered.ts for the whole-file formats), apart so the readers need not import each other.
 */
import type { MultiPolygon, Polygon } from 'geojson'
import type { CrsDecision } from './crs'
import type { Placer } from './crs-decide'
import type { EncodingDecision } from './encoding'
import type { LayerName } from './field-mapping'
import type { FeatureProblem } from './geometry-check'
import type { ZipLimits } from './zip'

export interface ReadLimits extends ZipLimits {
  /** GeoJSON files are parsed whole; larger ones are refused with 413. */
  maxGeoJsonBytes: number
  /** DBF record bytes looked at when the encoding must be sniffed. */
  sniffBytes: number
}

export interface ReadOptions {
  layer: LayerName
  /** EPSG code the user stated; wins over inference, and over a .prj or GeoJSON crs that says
   * otherwise only with confirmCrs (crs-decide.ts). */
  crsOverride?: number | string
  /** The user confirms crsOverride over what the file declares. */
  confirmCrs?: boolean
  /** Encoding the user stated; wins over .cpg, LDID and sniffing. */
  encodingOverride?: string
  limits?: Partial<ReadLimits>
  /** Where a box of coordinates lands in each candidate CRS, against the city's extent: decides
   * the zone of 6-digit eastings and a coordinate TXT's column order, and refuses a file outside
   * the city (crs-decide.ts). */
  place?: Placer
  /** The name the user uploaded (temp upload paths lose it): for messages and the kind. */
  fileName?: string
  /** The layer of a multi-layer file to read (a GeoPackage table, a KML folder, a DXF layer, an
   * XLSX sheet); without it the single layer holding polygons (layered.ts). */
  sourceLayer?: string
}

export interface SourceFeature {
  /** 0-based position over the whole upload. */
  index: number
  /** The shapefile (zip member without extension) or GeoJSON file it came from. */
  source: string
  /** 0-based record number inside that source (DBF/.shp record, or GeoJSON feature). */
  sourceIndex: number
  /** As read, in the source CRS. Null for null shapes and for unusable coordinates. */
  geometry: Polygon | MultiPolygon | null
  /** Decoded values under the original attribute names. */
  properties: Record<string, unknown>
  problems: FeatureProblem[]
}

export interface SourceDescription {
  name: string
  /** Null for GeoJSON, which is UTF-8 by definition (RFC 8259). */
  encoding: EncodingDecision | null
  /** A coordinate TXT's [属性描述] as written (坐标系, 几度分带, 带号, 精度…). */
  header?: Record<string, string>
  crs: CrsDecision
  fieldNames: string[]
  /** The field names read in the other usual encodings, where they differ: to tell a wrong
   * encoding from a missing column when a required field finds no column (stage.ts). */
  fieldNamesIf?: Record<string, string[]>
  /** From the .shx / DBF header, or the GeoJSON feature count. */
  featureCount: number
  geometryType: string
  /** What the file holds and is not imported, one line per entity (the first 100). */
  skipped?: string[]
  skippedCount?: number
  /** Notes for the report: why a CRS must be chosen, X/Y read swapped… */
  notes?: string[]
}

export interface UploadDescription {
  kind: 'shapefile' | 'geojson' | 'txt' | 'geojsonseq' | 'gpkg' | 'kml' | 'kmz' | 'dxf' | 'csv' | 'xlsx'
  file: string
  /** One per shapefile in the zip (each may differ in encoding, CRS and fields), or the GeoJSON. */
  sources: SourceDescription[]
  featureCount: number
  /** Every layer of a multi-layer file, with its counts, for the user to pick from. */
  layers?: UploadLayerInfo[]
  /** The layer read. */
  layer?: string
}

export interface UploadLayerInfo {
  name: string
  geometryType: string
  /** Polygons in it. */
  featureCount: number
  /** Entities in it that are not imported (open polylines, points…). */
  skipped: number
}

export interface UploadReader {
  describe(): UploadDescription
  /** Single pass: streams from disk for shapefiles. */
  features(): AsyncGenerator<SourceFeature>
  /** Removes temp files. Idempotent; call it on every exit path. */
  close(): Promise<void>
}

