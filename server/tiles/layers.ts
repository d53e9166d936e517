/** The tile layers of the one map (一张图), as data: where each layer's features come from, which
 * attributes each role may see, its zoom range, and which tables change it. The SQL of a tile is
 * assembled from this registry only (server/tiles/sql.ts); nothing from a request becomes SQL text.
 *
 * Visibility (DOMAIN.md "Governance", §四(四)): enterprise tax, output and land price are never
 * public and reach only `config.sensitiveRoles`; an enterprise's legal person and phone are in no
 * tile; the parcel's 权利人 (owner_name, which may name a person) only in the parcel layer, which is
 * for signed-in roles only, as the card is. */
import type { Role } from '../config'
import { maySeeSensitive } from '../db/viewer'
import { CLASSIFICATION, UNSUPPLIED } from './analysis-sources'
import type { AttributeDef, LayerDef } from './layer-def'

export type { AttributeDef, FieldType, LayerDef, Visibility } from './layer-def'

const ROUND2 = (expr: string) => `round((${expr})::numeric, 2)::float8`

/** Latest live supply contract of a parcel and its land user (供地, DOMAIN.md life cycle 2). */
const CONTRACT_JOIN = `LEFT JOIN LATERAL (
    SELECT s.supply_method, s.land_user_code, s.price_wan FROM supply_contract s
     WHERE s.parcel_id = p.id AND s.terminated_on IS NULL ORDER BY s.signed_on DESC, s.id DESC LIMIT 1) sc ON true
  LEFT JOIN enterprise e ON e.credit_code = sc.land_user_code`
/** The land user's latest reported year (raw figures; per-mu results are the analysis engine's). */
const YEAR_JOIN = `LEFT JOIN LATERAL (
    SELECT y.year, y.tax_paid_wan, y.output_wan FROM enterprise_year y
     WHERE y.credit_code = sc.land_user_code ORDER BY y.year DESC LIMIT 1) ey ON true`

export const LAYERS: readonly LayerDef[] = [
  {
    id: 'clusters', title: '产业集聚区', table: 'cluster', alias: 'c', geom: 'c.boundary', srid: 4490, kind: 'polygon',
    featureId: null, promoteId: 'code', countyColumn: null, access: 'public', minzoom: 0, maxzoom: 16, simplify: 2,
    joins: { county: 'JOIN county k ON k.code = c.county_code' },
    attributes: [
      { name: 'code', sql: 'c.code', type: 'String', title: '编码', visibleTo: 'everyone' },
      { name: 'name', sql: 'c.name', type: 'String', title: '名称', visibleTo: 'everyone' },
      { name: 'short_name', sql: 'c.short_name', type: 'String', title: '简称', visibleTo: 'everyone' },
      { name: 'county_code', sql: 'c.county_code::text', type: 'String', title: '区县代码', visibleTo: 'everyone' },
      { name: 'county_name', sql: 'k.name', type: 'String', title: '区县', visibleTo: 'everyone', needs: ['county'] },
      { name: 'area_mu', sql: ROUND2('c.area_mu'), type: 'Number', title: '面积（亩）', visibleTo: 'everyone' },
      // seed §一(二)3: a published target, but a tax figure all the same, so kept to the tax roles
      { name: 'target_tax_per_mu', sql: 'c.target_tax_per_mu::float8', type: 'Number', title: '目标亩均税收（万元/亩）', visibleTo: 'sensitive' },
    ],
    tables: ['cluster'],
  },
  {
    // DOMAIN.md §Places: the county a parcel belongs to, where it lies (reference data, migration 810).
    id: 'counties', title: '区县界', table: 'county_boundary', alias: 'cb', geom: 'cb.geom', srid: 4490, kind: 'polygon',
    featureId: null, promoteId: 'code', countyColumn: null, access: 'public', minzoom: 0, maxzoom: 16, simplify: 2,
    attributes: [
      { name: 'code', sql: 'cb.code::text', type: 'String', title: '区县代码', visibleTo: 'everyone' },
      { name: 'name', sql: 'cb.name', type: 'String', title: '区县', visibleTo: 'everyone' },
      { name: 'area_km2', sql: 'round((cb.area_m2 / 1e6)::numeric, 2)::float8', type: 'Number', title: '面积（km²）', visibleTo: 'everyone' },
    ],
    // Written only at start, when the boundary file changes (server/db/reference.ts), before any tile.
    tables: ['county_boundary'],
  },
  {
    id: 'plan_zones', title: '规划分区', table: 'plan_zone', alias: 'z', geom: 'z.geom', srid: 4490, kind: 'polygon',
    featureId: 'z.id', countyColumn: null, access: 'public', minzoom: 9, maxzoom: 16, simplify: 1,
    attributes: [
      { name: 'cluster_code', sql: 'z.cluster_code', type: 'String', title: '集聚区', visibleTo: 'everyone' },
      { name: 'county_code', sql: 'z.county_code::text', type: 'String', title: '区县代码', visibleTo: 'everyone' },
      { name: 'zone_type', sql: 'z.zone_type', type: 'String', title: '分区类型', visibleTo: 'everyone', values: 'zoneType' },
      { name: 'name', sql: 'z.name', type: 'String', title: '名称', visibleTo: 'everyone' },
      { name: 'area_mu', sql: ROUND2('z.area_mu'), type: 'Number', title: '面积（亩）', visibleTo: 'everyone' },
    ],
    tables: ['plan_zone'],
  },
  {
    id: 'parcels', title: '宗地', table: 'parcel', alias: 'p', geom: 'p.geom', srid: 4490, kind: 'polygon',
    featureId: 'p.id', countyColumn: 'p.county_code', where: 'p.retired_at IS NULL', access: 'signedIn',
    // From zoom 12 a tile spans ~8 km, about one cluster; below it a parcel is a pixel or two and a
    // tile would carry a whole county's parcels. The cluster layer covers the overview.
    minzoom: 12, maxzoom: 16, simplify: 1, detailMinzoom: 14,
    joins: { contract: CONTRACT_JOIN, year: YEAR_JOIN, classification: CLASSIFICATION.join },
    attributes: [
      { name: 'code', sql: 'p.code', type: 'String', title: '宗地编号', visibleTo: 'signedIn', overview: true },
      { name: 'county_code', sql: 'p.county_code::text', type: 'String', title: '区县代码', visibleTo: 'signedIn', overview: true },
      { name: 'cluster_code', sql: 'p.cluster_code', type: 'String', title: '集聚区', visibleTo: 'signedIn', overview: true },
      { name: 'land_use', sql: 'p.land_use', type: 'String', title: '土地用途', visibleTo: 'signedIn' },
      { name: 'stage', sql: 'p.stage', type: 'String', title: '阶段', visibleTo: 'signedIn', values: 'stage', overview: true },
      { name: 'area_m2', sql: ROUND2('p.area_m2'), type: 'Number', title: '面积（m²）', visibleTo: 'signedIn' },
      { name: 'area_mu', sql: ROUND2('p.area_mu'), type: 'Number', title: '面积（亩）', visibleTo: 'signedIn', overview: true },
      { name: 'class', sql: CLASSIFICATION.classSql, type: 'String', title: '分类', visibleTo: 'signedIn', values: 'classification', needs: ['classification'], overview: true },
      { name: 'class_detail', sql: CLASSIFICATION.detailSql, type: 'String', title: '分类细项', visibleTo: 'signedIn', values: 'parcelKey', needs: ['classification'], overview: true },
      { name: 'supply_method', sql: 'sc.supply_method', type: 'String', title: '供地方式', visibleTo: 'signedIn', values: 'supplyMethod', needs: ['contract'] },
      // An enterprise's name is on the published lists (§四(四)); its legal person and phone never are.
      { name: 'land_user', sql: 'e.name', type: 'String', title: '用地单位', visibleTo: 'signedIn', needs: ['contract'] },
      // 权利人 as surveyed: may be a person's name, so for the roles that see the card, never public
      { name: 'owner_name', sql: 'p.owner_name', type: 'String', title: '权利人', visibleTo: 'signedIn' },
      { name: 'price_wan', sql: 'sc.price_wan::float8', type: 'Number', title: '出让价款（万元）', visibleTo: 'sensitive', needs: ['contract'] },
      { name: 'tax_year', sql: 'ey.year', type: 'Number', title: '税收年度', visibleTo: 'sensitive', needs: ['contract', 'year'] },
      { name: 'tax_wan', sql: 'ey.tax_paid_wan::float8', type: 'Number', title: '税收（万元）', visibleTo: 'sensitive', needs: ['contract', 'year'] },
      { name: 'output_wan', sql: 'ey.output_wan::float8', type: 'Number', title: '产值（万元）', visibleTo: 'sensitive', needs: ['contract', 'year'] },
    ],
    tables: ['parcel', 'supply_contract', 'enterprise', 'enterprise_year', ...CLASSIFICATION.tables],
  },
  {
    id: 'unsupplied', title: '批而未供', table: UNSUPPLIED.table, alias: 'u', geom: 'u.geom', srid: 4490, kind: 'polygon',
    featureId: UNSUPPLIED.featureId, countyColumn: 'u.county_code', access: 'signedIn', minzoom: 10, maxzoom: 16, simplify: 1,
    attributes: UNSUPPLIED.attributes,
    tables: ['approval_batch', 'parcel', 'supply_contract'],
    requires: UNSUPPLIED.table,
  },
  {
    id: 'batches', title: '批次', table: 'approval_batch', alias: 'b', geom: 'b.geom', srid: 4490, kind: 'polygon',
    featureId: 'b.id', countyColumn: 'b.county_code', access: 'signedIn', minzoom: 9, maxzoom: 16, simplify: 1,
    attributes: [
      { name: 'approval_no', sql: 'b.approval_no', type: 'String', title: '批准文号', visibleTo: 'signedIn' },
      { name: 'name', sql: 'b.name', type: 'String', title: '批次名称', visibleTo: 'signedIn' },
      { name: 'county_code', sql: 'b.county_code::text', type: 'String', title: '区县代码', visibleTo: 'signedIn' },
      { name: 'cluster_code', sql: 'b.cluster_code', type: 'String', title: '集聚区', visibleTo: 'signedIn' },
      { name: 'approved_on', sql: 'b.approved_on::text', type: 'String', title: '批准日期', visibleTo: 'signedIn' },
      { name: 'area_mu', sql: ROUND2('b.area_mu'), type: 'Number', title: '面积（亩）', visibleTo: 'signedIn' },
    ],
    tables: ['approval_batch'],
  },
  {
    id: 'changes', title: '遥感变化图斑', table: 'rs_change', alias: 'r', geom: 'r.geom', srid: 4490, kind: 'polygon',
    featureId: 'r.id', countyColumn: 'r.county_code', access: 'signedIn', minzoom: 10, maxzoom: 16, simplify: 1,
    attributes: [
      { name: 'code', sql: 'r.code', type: 'String', title: '图斑编号', visibleTo: 'signedIn' },
      { name: 'period', sql: 'r.period', type: 'String', title: '监测批次', visibleTo: 'signedIn' },
      { name: 'change_type', sql: 'r.change_type', type: 'String', title: '变化类型', visibleTo: 'signedIn', values: 'changeType' },
      { name: 'image_before', sql: 'r.image_before::text', type: 'String', title: '前时相', visibleTo: 'signedIn' },
      { name: 'image_after', sql: 'r.image_after::text', type: 'String', title: '后时相', visibleTo: 'signedIn' },
      { name: 'county_code', sql: 'r.county_code::text', type: 'String', title: '区县代码', visibleTo: 'signedIn' },
      { name: 'area_m2', sql: ROUND2('r.area_m2'), type: 'Number', title: '面积（m²）', visibleTo: 'signedIn' },
    ],
    // rs_change has no event-log trigger: its writers call invalidateTiles('changes', bbox).
    tables: ['rs_change'],
  },
  {
    // An alert is drawn at a point on the change polygon it came from, else on its parcel or batch.
    id: 'alerts', title: '巡查预警', table: 'alert', alias: 'a',
    geom: 'coalesce(ar.geom, ap.geom, ab.geom)', srid: 4490, kind: 'point',
    featureId: 'a.id', countyColumn: 'a.county_code', access: 'signedIn', minzoom: 9, maxzoom: 16, simplify: 0,
    baseJoins: ['sources'],
    joins: {
      sources: `LEFT JOIN rs_change ar ON ar.id = a.change_id
  LEFT JOIN parcel ap ON ap.id = a.parcel_id
  LEFT JOIN approval_batch ab ON ab.id = a.batch_id`,
    },
    attributes: [
      { name: 'type', sql: 'a.type', type: 'String', title: '预警类型', visibleTo: 'signedIn', values: 'alertType' },
      { name: 'severity', sql: 'a.severity', type: 'String', title: '等级', visibleTo: 'signedIn', values: 'severity' },
      { name: 'status', sql: 'a.status', type: 'String', title: '状态', visibleTo: 'signedIn', values: 'alertStatus' },
      { name: 'county_code', sql: 'a.county_code::text', type: 'String', title: '区县代码', visibleTo: 'signedIn' },
      { name: 'cluster_code', sql: 'a.cluster_code', type: 'String', title: '集聚区', visibleTo: 'signedIn' },
      { name: 'parcel_code', sql: 'ap.code', type: 'String', title: '宗地编号', visibleTo: 'signedIn', needs: ['sources'] },
      { name: 'change_code', sql: 'ar.code', type: 'String', title: '图斑编号', visibleTo: 'signedIn', needs: ['sources'] },
      { name: 'overlap_m2', sql: ROUND2('a.overlap_m2'), type: 'Number', title: '重叠面积（m²）', visibleTo: 'signedIn' },
      { name: 'due_on', sql: 'a.due_on::text', type: 'String', title: '办结期限', visibleTo: 'signedIn' },
    ],
    tables: ['alert', 'rs_change', 'parcel', 'approval_batch'],
  },
]

export const LAYER_IDS = LAYERS.map((l) => l.id)

export function findLayer(id: string): LayerDef | undefined {
  return LAYERS.find((l) => l.id === id)
}

/** The attributes of a layer that a caller with this role (null: not signed in) may see. */
export function visibleAttributes(layer: LayerDef, role: Role | null, sensitiveRoles: readonly Role[]): AttributeDef[] {
  return layer.attributes.filter((a) => {
    if (a.visibleTo === 'everyone') return true
    if (role === null) return false
    if (a.visibleTo === 'signedIn') return true
    return maySeeSensitive(role, sensitiveRoles)
  })
}

/** May this caller have the layer's tiles at all? */
export function mayRead(layer: LayerDef, role: Role | null): boolean {
  return layer.access === 'public' || role !== null
}

/** Layers whose tiles depend on a table (for the event-log watcher). */
export function layersOfTable(table: string): LayerDef[] {
  return LAYERS.filter((l) => l.tables.includes(table))
}
