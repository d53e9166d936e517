/** Request and answer shapes of the disposal ledger (工作台账, annex 3 art. 6: 地块基本信息、形成原因、处置措施、
 * 完成时限、责任单位). */
import { Type, type Static } from '@sinclair/typebox'
import { IsoDate, Nullable, Timestamp, Version } from './common'

/** "一地一策" measures: the redevelopment modes of annex 3 art. 3 (自主开发, 政府收储, 二次开发,
 * 联动处置) and the dispositions of idle land in 闲置土地处置办法 (2012) arts. 12 and 14 (延长开发期限,
 * 调整用途, 临时使用, 置换土地, 协议有偿收回, 闲置费, 收回). Stored as these words, as the
 * ledger tables of the counties write them. */
export const MEASURES = [
  '自主开发', '政府收储', '二次开发', '联动处置',
  '延长开发期限', '调整用途', '临时使用', '置换土地', '协议有偿收回', '闲置费', '收回',
  '限期整改', // standard land (标准地): a failed check opens a rectification of at most 2 years (annex 2)
  '其他',
] as const
export const Measure = Type.Union(MEASURES.map((m) => Type.Literal(m)), { description: '处置措施 (一地一策)' })

const Text = (max: number) => Type.String({ minLength: 1, maxLength: max })

export const LedgerCreate = Type.Object({
  measure: Measure,
  cause: Type.Optional(Type.Union([Text(500), Type.Null()], { description: '形成原因' })),
  deadline: IsoDate,
  responsible_unit: Text(200),
  progress: Type.Optional(Type.Union([Text(4000), Type.Null()], { description: '进展情况' })),
  note: Type.Optional(Text(500)),
}, { additionalProperties: false })
export type LedgerCreate = Static<typeof LedgerCreate>

export const LedgerPatch = Type.Object({
  measure: Type.Optional(Measure),
  cause: Type.Optional(Type.Union([Text(500), Type.Null()])),
  deadline: Type.Optional(IsoDate),
  responsible_unit: Type.Optional(Text(200)),
  progress: Type.Optional(Type.Union([Text(4000), Type.Null()])),
  completed_on: Type.Optional(Type.Union([IsoDate, Type.Null()], { description: '完成日期; null reopens' })),
  note: Type.Optional(Text(500)),
}, { additionalProperties: false, minProperties: 1 })
export type LedgerPatch = Static<typeof LedgerPatch>

export const LedgerQuery = Type.Object({
  county: Type.Optional(Type.Array(Type.String({ pattern: '^4103\\d\\d(,4103\\d\\d)*$', maxLength: 139 }), { maxItems: 20 })),
  cluster: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 18 })),
  measure: Type.Optional(Type.Array(Measure, { maxItems: MEASURES.length })),
  open: Type.Optional(Type.Boolean({ description: 'true: not completed' })),
  overdue: Type.Optional(Type.Boolean({ description: 'true: past the deadline and not completed' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
  offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000, default: 0 })),
}, { additionalProperties: false })
export type LedgerQuery = Static<typeof LedgerQuery>

// ---- Answers (described for OpenAPI; built by server/db/repos/ledger/*.sql)

const entryFields = {
  id: Type.Integer(),
  measure: Type.String({ description: '处置措施 (一地一策)' }),
  cause: Nullable(Type.String({ description: '形成原因' })),
  deadline: IsoDate,
  responsible_unit: Type.String({ description: '责任单位' }),
  progress: Nullable(Type.String({ description: '进展情况' })),
  completed_on: Nullable(IsoDate),
  overdue: Type.Boolean({ description: 'past the deadline and not completed (Luoyang\'s date)' }),
  days_overdue: Nullable(Type.Integer()),
  version: Type.Integer({ minimum: 1 }),
}
/** One entry as the card (一宗一卡) lists it. */
export const LedgerItem = Type.Object(entryFields, { additionalProperties: false })

const stamps = {
  completed_late: Nullable(Type.Boolean()),
  created_at: Timestamp,
  updated_at: Nullable(Timestamp),
}

/** One entry as an edit or an addition returns it (ETag = version). */
export const LedgerEntry = Type.Object({ ...entryFields, parcel_code: Type.String(), ...stamps, version: Version }, { additionalProperties: false })

/** The ledger of one parcel, open entries first by deadline. */
export const ParcelLedger = Type.Object({
  parcel_code: Type.String(),
  county_code: Type.String(),
  cluster_code: Nullable(Type.String()),
  entries: Type.Array(Type.Object({ ...entryFields, ...stamps }, { additionalProperties: false })),
}, { additionalProperties: false })

/** A page of the ledger across the caller's counties, by deadline. */
export const LedgerPage = Type.Object({
  numberMatched: Type.Integer({ minimum: 0 }),
  items: Type.Array(Type.Object({
    ...entryFields, parcel_code: Type.String(), county_code: Type.String(), cluster_code: Nullable(Type.String()),
  }, { additionalProperties: false })),
}, { additionalProperties: false })
