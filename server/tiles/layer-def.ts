/** The shape of a tile layer's definition (the registry itself is server/tiles/layers.ts): kept
 * apart so that the attribute sources (analysis-sources.ts) and the registry do not import each other. */
import type { CodeDomain } from '../labels/codes'

/** Who may see an attribute: anyone (public layers only), any signed-in role, or the roles of
 * `config.sensitiveRoles`. */
export type Visibility = 'everyone' | 'signedIn' | 'sensitive'

/** TileJSON field types (vector_layers.fields). */
export type FieldType = 'String' | 'Number' | 'Boolean'

export interface AttributeDef {
  name: string
  /** SQL over the layer's aliases; cast to text, float8, int or boolean so that ST_AsMVT and the
   * GeoJSON encoder give the same value types. */
  sql: string
  type: FieldType
  title: string
  visibleTo: Visibility
  /** Named joins of the layer this attribute reads from. */
  needs?: string[]
  /** The labels of its coded values (server/labels/): TileJSON and the catalog carry them, so a
   * client shows 在建, not under_construction. */
  values?: CodeDomain
  /** Carried below the layer's detailMinzoom too (what the map draws, filters and hovers with). */
  overview?: true
}

export interface LayerDef {
  id: string
  title: string
  /** The table whose geometry is filtered with && (in its own SRID, so its GiST index is used). */
  table: string
  alias: string
  /** Geometry expression, over the aliases, in `srid`. */
  geom: string
  srid: number
  kind: 'polygon' | 'point'
  /** Numeric feature id (MVT feature id, MapLibre feature-state); null: use promoteId on a property. */
  featureId: string | null
  /** The property MapLibre should promote to the feature id when featureId is null. */
  promoteId?: string
  /** County column for the caller's scope (null: the layer is the same for every county). */
  countyColumn: string | null
  where?: string
  /** Joins by name, added only when a selected attribute or the geometry needs them. */
  joins?: Record<string, string>
  /** Joins the geometry or the filter always needs. */
  baseJoins?: string[]
  access: 'public' | 'signedIn'
  minzoom: number
  maxzoom: number
  /** ST_Simplify tolerance in MVT units (1/4096 of a tile) at every zoom: simplification by zoom. */
  simplify: number
  /** Below this zoom the tiles carry only the `overview` attributes (TileJSON says so): a tile
   * then spans several kilometres and thousands of features, each a few pixels, where the rest
   * (names, figures) would make a tile of a dense county several hundred KB. */
  detailMinzoom?: number
  attributes: AttributeDef[]
  /** Tables (event_log.entity) whose changes change this layer's tiles. */
  tables: string[]
  /** A relation the layer cannot exist without (the analysis engine's output): probed at start. */
  requires?: string
}
