/** The upload layers, as data, shaped like the tile registry (server/tiles/layers.ts): per layer
 * the live table its commit writes, the mapped field its records are matched on, the values the
 * table cannot be written without, its target fields, how its features find their county and
 * cluster, which of the common checks apply, and its own SQL (layers/<name>/: the commit, the
 * changes against the live record, the predicate for a live record outside a county scope, and
 * any checks of its own). Staging (server/ingest/stage.ts), the checks and the commit
 * (UploadsRepo) read this and nothing else: a layer is one entry here plus its SQL. The common SQL
 * takes the entry's traits as parameters; the layer's own SQL is ours, never built from a
 * request. */
import type { ITask, QueryFile } from 'pg-promise'
import { sqlLoader } from '../../sql'
import { refreshAlertsForUpload } from '../alerts'
import { LAYER_FIELDS, type TargetField } from './fields'
import { LAYERS, type LayerName } from './layer-names'

export { LAYERS, type LayerName }

/** A statement of the layer's own: a file of layers/<name>/, or SQL text (a test's layer). */
export type LayerSql = QueryFile | string

export interface UploadLayer {
  /** the live table the commit writes: the tiles drawing it go stale (server/events.ts) */
  table: string
  /** the mapped field the layer's records are matched on (duplicates, existing records); null: none, each upload adds its features */
  key: string | null
  /** the mapped field that stands for an empty key (a cluster outline names its cluster by name) */
  keyFallback?: string
  /** values the table cannot be written without (NOT NULL columns beyond the fields' own `required`): a feature missing one is rejected in the report, not at commit */
  commitRequired: readonly string[]
  /** the target fields the file's columns are mapped onto (the upload form's columns) */
  fields: readonly TargetField[]
  /** DOMAIN.md "County of a parcel": whether the county boundary holding the shape decides when the file has no county column (a contract's is its parcel's); whether the 6-digit GB/T 2260 prefix of the key may; whether a feature must have a county ('scoped': only for a county-scoped uploader); whether a key prefix naming another county than where the shape lies is a warning */
  county: { fromShape: boolean; fromKeyPrefix: boolean; required: 'always' | 'scoped' | 'never'; checkKeyPrefix: boolean }
  /** the cluster the shape lies in most is the feature's (else the layer's own checks decide it) */
  clusterFromShape: boolean
  /** a feature outside every cluster: a warning, a plan zone's error, or nothing */
  outsideCluster: 'outside_cluster' | 'zone_outside_cluster' | null
  /** overlaps with live parcels and between the file's features are reported (parcels) */
  overlaps: boolean
  /** the commit feeds the analysis engine's refresh queue (parcels): a bulk commit leaves the
   * refresh for right after it (ONEMAP_UPLOAD_DEFER_ANALYSIS_FEATURES) */
  analysed?: boolean
  sql: {
    /** {inserted, updated, unchanged}: writes the accepted staged features (${uploadId}) */
    commit: LayerSql
    /** the layer's own checks, run before the county checks (${uploadId}, ${scope}, ${t.*}, ${lv.*}) */
    checks: readonly LayerSql[]
    /** upload_feature.changed_fields against the live record with the feature's key; null: no live record is ever changed */
    changes: LayerSql | null
    /** a boolean over the staged feature f: the live record with its key lies outside ${scope}; null: none can */
    taken: LayerSql | null
    /** the commit can be written in chunks (its commit writes only ${from} <= idx < ${to}): keeps
     * the rows a chunk may overwrite or insert for upload_undo_commit (migration 1080); absent: one
     * transaction only */
    keep?: LayerSql
  }
  /** run in the commit's transaction after the commit statement (the alert rules on committed change polygons) */
  afterCommit?: (t: ITask<unknown>, uploadId: string) => Promise<unknown>
}

const sql = sqlLoader(import.meta.url)
const own = (layer: LayerName, files: { checks?: boolean; changes?: boolean; taken?: boolean }): UploadLayer['sql'] => ({
  commit: sql(`layers/${layer}/commit.sql`),
  checks: files.checks ? [sql(`layers/${layer}/checks.sql`)] : [],
  changes: files.changes === false ? null : sql(`layers/${layer}/changes.sql`),
  taken: files.taken === false ? null : sql(`layers/${layer}/taken.sql`),
})

const registry = new Map<string, UploadLayer>()

/** Adds a layer (the six below; a test's throwaway one). */
export function defineUploadLayer(name: string, def: UploadLayer): void {
  if (!/^[a-z][a-z0-9_]{0,39}$/.test(name)) throw new Error(`upload layer name ${name}: lower-case letters, digits and _`)
  if (registry.has(name)) throw new Error(`upload layer ${name} defined twice`)
  registry.set(name, def)
}

/** The layer named so; undefined for a name that is none (the caller says 400 layer_unknown). */
export function uploadLayer(name: string): UploadLayer | undefined {
  return registry.get(name)
}

/** Every layer's name, the built-in ones first. */
export function uploadLayerNames(): string[] {
  return [...registry.keys()]
}

/** The common checks' parameters for a layer's traits. */
export function layerTraits(l: UploadLayer) {
  return {
    countyFromShape: l.county.fromShape, countyFromKeyPrefix: l.county.fromKeyPrefix, countyRequired: l.county.required,
    checkKeyPrefix: l.county.checkKeyPrefix, clusterFromShape: l.clusterFromShape, outsideCluster: l.outsideCluster ?? 'none',
    overlaps: l.overlaps,
  }
}

const located = { fromShape: true, fromKeyPrefix: true } as const

defineUploadLayer('parcels', {
  table: 'parcel', key: 'code', commitRequired: ['code'], fields: LAYER_FIELDS.parcels,
  county: { ...located, required: 'always', checkKeyPrefix: true }, clusterFromShape: true, outsideCluster: 'outside_cluster', overlaps: true,
  analysed: true, sql: { ...own('parcels', {}), keep: sql('layers/parcels/keep.sql') },
})
defineUploadLayer('batches', {
  table: 'approval_batch', key: 'approval_no', commitRequired: ['approval_no', 'approved_on'], fields: LAYER_FIELDS.batches,
  county: { ...located, required: 'always', checkKeyPrefix: false }, clusterFromShape: true, outsideCluster: 'outside_cluster', overlaps: false,
  sql: own('batches', {}),
})
// a contract's county and cluster are its parcel's (layers/contracts/checks.sql), wherever it is drawn
defineUploadLayer('contracts', {
  table: 'supply_contract', key: 'contract_no', commitRequired: ['contract_no', 'parcel_code', 'supply_method', 'signed_on'], fields: LAYER_FIELDS.contracts,
  county: { fromShape: false, fromKeyPrefix: false, required: 'never', checkKeyPrefix: false }, clusterFromShape: true, outsideCluster: null, overlaps: false,
  sql: own('contracts', { checks: true }),
})
defineUploadLayer('plan_zones', {
  table: 'plan_zone', key: null, commitRequired: ['zone_type'], fields: LAYER_FIELDS.plan_zones,
  county: { ...located, required: 'always', checkKeyPrefix: false }, clusterFromShape: true, outsideCluster: 'zone_outside_cluster', overlaps: false,
  sql: own('plan_zones', { changes: false, taken: false }),
})
// a cluster outline names its cluster (layers/clusters/checks.sql), whose county it takes
defineUploadLayer('clusters', {
  table: 'cluster', key: 'code', keyFallback: 'name', commitRequired: ['name'], fields: LAYER_FIELDS.clusters,
  county: { fromShape: true, fromKeyPrefix: false, required: 'never', checkKeyPrefix: false }, clusterFromShape: false, outsideCluster: null, overlaps: false,
  sql: own('clusters', { checks: true, taken: false }),
})
defineUploadLayer('changes', {
  table: 'rs_change', key: 'code', commitRequired: ['code', 'period', 'change_type', 'image_before', 'image_after'], fields: LAYER_FIELDS.changes,
  county: { ...located, required: 'scoped', checkKeyPrefix: true }, clusterFromShape: true, outsideCluster: 'outside_cluster', overlaps: false,
  sql: own('changes', {}),
  // the alert rules on the committed change polygons, in the same transaction (DOMAIN.md "Dynamic monitoring (§四(二)) and patrol alerts")
  afterCommit: refreshAlertsForUpload,
})

/** PostgreSQL's JIT compiles the big one-off statements of an upload for longer than it saves
 * (measured: 0.6 s of 2.1 s staging 20 000 parcels), so staging, checks and commit go without. */
export const NO_JIT = 'SET LOCAL jit = off'
