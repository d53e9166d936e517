/** The collections of OneMap's OGC API – Features (/ogc), as data. Every tile layer of the one map
 * (server/tiles/layers.ts) is a collection with the same SQL, the same county scope and the same
 * attribute visibility per role, so one place says what each role sees, in tiles and here alike;
 * the collections that have no tile layer (supply contracts, the analysis findings) are declared
 * below in the same form.
 *
 * Visibility (DOMAIN.md "Governance", §四(四)): tax, output and price only to
 * `config.sensitiveRoles`; owner_name and everything about land to signed-in roles; nothing
 * personal or sensitive in a public collection. A collection the caller may not read is absent
 * from /ogc/collections and 404 at its items (server/ogc/routes.ts). */
import type { Role } from '../config'
import { LAYERS, mayRead, visibleAttributes, type AttributeDef, type LayerDef } from '../tiles'
import { COLLECTION_DESCRIPTION, COLLECTION_TITLE } from '../labels/codes'

/** What the registry of the tiles has, and what only a collection needs. */
export interface CollectionDef extends LayerDef {
  description: string
  /** The key features are ordered and paged by (and their `id`): the numeric feature id, or the
   * promoted text attribute (clusters, counties). */
  key: { sql: string; type: 'bigint' | 'text' }
}

const ROUND2 = (expr: string) => `round((${expr})::numeric, 2)::float8`

/** Titles and descriptions come from the one source of labels (server/labels/codes.ts). */
const DESCRIPTIONS: Record<string, string> = COLLECTION_DESCRIPTION

function fromLayer(layer: LayerDef): CollectionDef {
  const promoted = layer.promoteId ? layer.attributes.find((a) => a.name === layer.promoteId) : undefined
  const key = layer.featureId
    ? { sql: layer.featureId, type: 'bigint' as const }
    : { sql: promoted!.sql, type: 'text' as const }
  return { ...layer, description: DESCRIPTIONS[layer.id] ?? layer.title, key }
}

/** 供地合同 (DOMAIN.md life cycle 2), drawn as the parcel they supply. The price is sensitive. */
const CONTRACTS: CollectionDef = {
  id: 'contracts', title: COLLECTION_TITLE.contracts, description: COLLECTION_DESCRIPTION.contracts, table: 'supply_contract', alias: 's',
  geom: 'cp.geom', srid: 4490, kind: 'polygon', featureId: 's.id', key: { sql: 's.id', type: 'bigint' },
  countyColumn: 's.county_code', where: 'cp.retired_at IS NULL', access: 'signedIn', minzoom: 0, maxzoom: 16, simplify: 0,
  baseJoins: ['parcel'],
  joins: {
    parcel: 'JOIN parcel cp ON cp.id = s.parcel_id',
    enterprise: 'LEFT JOIN enterprise se ON se.credit_code = s.land_user_code',
  },
  attributes: [
    { name: 'contract_no', sql: 's.contract_no', type: 'String', title: '合同编号', visibleTo: 'signedIn' },
    { name: 'parcel_code', sql: 'cp.code', type: 'String', title: '宗地编号', visibleTo: 'signedIn' },
    { name: 'county_code', sql: 's.county_code::text', type: 'String', title: '区县代码', visibleTo: 'signedIn' },
    { name: 'supply_method', sql: 's.supply_method', type: 'String', title: '供地方式', visibleTo: 'signedIn' },
    { name: 'land_user', sql: 'se.name', type: 'String', title: '用地单位', visibleTo: 'signedIn', needs: ['enterprise'] },
    { name: 'land_use', sql: 's.land_use', type: 'String', title: '土地用途', visibleTo: 'signedIn' },
    { name: 'signed_on', sql: 's.signed_on::text', type: 'String', title: '签订日期', visibleTo: 'signedIn' },
    { name: 'agreed_start_on', sql: 's.agreed_start_on::text', type: 'String', title: '约定动工日期', visibleTo: 'signedIn' },
    { name: 'agreed_completion_on', sql: 's.agreed_completion_on::text', type: 'String', title: '约定竣工日期', visibleTo: 'signedIn' },
    { name: 'terminated_on', sql: 's.terminated_on::text', type: 'String', title: '终止日期', visibleTo: 'signedIn' },
    { name: 'price_wan', sql: 's.price_wan::float8', type: 'Number', title: '出让价款（万元）', visibleTo: 'sensitive' },
  ],
  tables: ['supply_contract', 'parcel', 'enterprise'],
}

/** One collection per finding of the analysis engine (DOMAIN.md "Classifications"): the parcels
 * found idle, inefficient, used before supply, or not conforming to the plan, each finding with
 * its rule and reason. A reason may quote an enterprise's tax or output (the card hides those
 * from other roles, analysis.parcel_classifications), so the reason goes to the sensitive roles only. */
const FINDINGS: { id: keyof typeof COLLECTION_TITLE; classification: string; title: string; description: string }[] =
  (['idle', 'inefficient', 'used_before_supply', 'conformity'] as const).map((id) => ({
    id, classification: id, title: COLLECTION_TITLE[id], description: COLLECTION_DESCRIPTION[id],
  }))

const findingCollection = (f: typeof FINDINGS[number]): CollectionDef => ({
  id: f.id, title: f.title, description: f.description, table: 'analysis.parcel_status', alias: 'fs',
  geom: 'fp.geom', srid: 4490, kind: 'polygon',
  // a parcel carries one finding per rule: the feature is the (parcel, rule) pair, "<parcel id>:<rule>"
  featureId: null, key: { sql: `fs.parcel_id::text || ':' || fs.rule`, type: 'text' },
  countyColumn: 'fs.county_code', where: `fs.classification = '${f.classification}' AND fp.retired_at IS NULL`,
  access: 'signedIn', minzoom: 0, maxzoom: 16, simplify: 0, baseJoins: ['parcel'],
  joins: { parcel: 'JOIN parcel fp ON fp.id = fs.parcel_id' },
  attributes: [
    { name: 'parcel_code', sql: 'fp.code', type: 'String', title: '宗地编号', visibleTo: 'signedIn' },
    { name: 'rule', sql: 'fs.rule', type: 'String', title: '认定规则', visibleTo: 'signedIn' },
    { name: 'county_code', sql: 'fs.county_code::text', type: 'String', title: '区县代码', visibleTo: 'signedIn' },
    { name: 'cluster_code', sql: 'fs.cluster_code', type: 'String', title: '集聚区', visibleTo: 'signedIn' },
    { name: 'inefficient_type', sql: 'fs.inefficient_type::int', type: 'Number', title: '低效类型', visibleTo: 'signedIn' },
    { name: 'stage', sql: 'fs.stage::int', type: 'Number', title: '处置阶段', visibleTo: 'signedIn' },
    { name: 'suspended', sql: 'fs.suspended', type: 'Boolean', title: '中止认定', visibleTo: 'signedIn' },
    { name: 'area_m2', sql: ROUND2('fs.area_m2'), type: 'Number', title: '面积（m²）', visibleTo: 'signedIn' },
    { name: 'reason', sql: 'fs.reason::text', type: 'String', title: '认定依据', visibleTo: 'sensitive' },
  ],
  tables: ['parcel'],
  requires: 'analysis.parcel_status',
})

export const COLLECTIONS: readonly CollectionDef[] = [
  ...LAYERS.map(fromLayer),
  CONTRACTS,
  ...FINDINGS.map(findingCollection),
]

export function findCollection(id: string): CollectionDef | undefined {
  return COLLECTIONS.find((c) => c.id === id)
}

/** The caller as the collections need it, decided once per request (server/ogc/routes.ts). */
export interface Asker {
  role: Role | null
  /** Counties (null: the whole city; []: none, for the public). */
  scope: string[] | null
}

export function mayReadCollection(c: CollectionDef, asker: Asker, available: ReadonlySet<string>): boolean {
  return mayRead(c, asker.role) && (!c.requires || available.has(c.requires))
}

export function fieldsOf(c: CollectionDef, asker: Asker, sensitiveRoles: readonly Role[]): AttributeDef[] {
  return visibleAttributes(c, asker.role, sensitiveRoles)
}
