/** County rules (区县规则): every threshold the analyses read, per county, versioned, with an
 * effective date (DOMAIN.md "Counties set their own thresholds…"; seed §二(三)7–8). Read every rule
 * with its versions; add a version from a date on. A version is never edited: the past must
 * reproduce, so a correction is a new version. Admin only; a county-scoped admin writes its own
 * counties' rows, the city-wide defaults only a city-level admin. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { CountyCode, IsoDate, Nullable, Timestamp, invalidField } from '../../schemas/common'
import { RULE_KINDS, RULE_KIND_LABELS, fitsRule } from '../../common/rule-kinds'

const RuleKey = Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-z][a-z0-9_]*$' })

const Version = Type.Object({
  id: Type.Integer(), county_code: Nullable(Type.String()), value: Type.Unknown(), effective_from: IsoDate,
  note: Nullable(Type.String()), created_at: Timestamp,
}, { additionalProperties: false })

const Rule = Type.Object({
  key: Type.String(),
  kind: Nullable(Type.String({ description: 'what the value means (share, days…); null: a structured rule not settable here' })),
  versions: Type.Array(Type.Object({
    ...Version.properties,
    created_by: Nullable(Type.String({ description: 'who recorded it (the event log\'s actor: user:<name> or a system writer)' })),
    created_by_name: Nullable(Type.String({ description: 'that user\'s display name' })),
    in_force: Type.Boolean({ description: 'the version of its owner (county or city-wide) in force today' }) }, { additionalProperties: false })),
}, { additionalProperties: false })

export const RULE_MESSAGES = {
  notSettable: (key: string) => `规则 ${key} 为结构化规则或有专门的设置接口，不能在此设置 / ${key} is a structured rule or has its own route: not settable here`,
  badValue: (key: string, label: string) => `规则 ${key} 的取值应为${label}`,
  past: (from: string, today: string) => `生效日期 ${from} 早于今天 ${today}：已过去的日期不能改变 / effective_from ${from} is before today (${today}): the past must reproduce`,
} as const

const routes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/', {
    config: { access: ['admin'] },
    schema: {
      tags: ['rules'], summary: '区县规则 / every county rule with its versions (city-wide and your counties)',
      querystring: Type.Object({ key: Type.Optional(RuleKey) }, { additionalProperties: false }),
      response: { 200: Type.Object({ today: IsoDate, rules: Type.Array(Rule) }, { additionalProperties: false }) },
    },
  }, async (request) => {
    const rules = await app.db.admin.rules(request.viewer, request.query.key ?? null) as { key: string; versions: never[] }[]
    return { today: request.viewer.today, rules: rules.map((r) => ({ ...r, kind: RULE_KINDS[r.key] ?? null })) }
  })

  app.post('/:key/versions', {
    config: { access: ['admin'], audit: 'rule_version_added' },
    schema: {
      tags: ['rules'],
      summary: '新增规则版本 / add a version of a rule for a county (or city-wide) from a date on (never edits one in force)',
      params: Type.Object({ key: RuleKey }),
      body: Type.Object({
        county: Nullable(CountyCode, { description: 'null: the city-wide default' }),
        value: Type.Union([Type.Number({ minimum: -1e9, maximum: 1e9 }), Type.String({ maxLength: 200 }), Type.Array(Type.String({ maxLength: 100 }), { maxItems: 50 })]),
        effective_from: IsoDate,
        note: Type.String({ minLength: 1, maxLength: 500, description: '依据（文号）与说明 / the basis (document) and why' }),
      }, { additionalProperties: false }),
      response: { 201: Type.Object({ key: Type.String(), ...Version.properties }, { additionalProperties: false }) },
    },
  }, async (request, reply) => {
    const { key } = request.params
    const b = request.body
    request.auditDetail = { key, county: b.county, value: b.value, effective_from: b.effective_from }
    const kind = RULE_KINDS[key]
    if (!kind) throw invalidField('key', RULE_MESSAGES.notSettable(key))
    if (!fitsRule(kind, b.value)) throw invalidField('value', RULE_MESSAGES.badValue(key, RULE_KIND_LABELS[kind]))
    const today = request.viewer.today
    if (b.effective_from < today) throw invalidField('effective_from', RULE_MESSAGES.past(b.effective_from, today))
    const row = await app.db.admin.addRuleVersion({ county: b.county, key, value: b.value, from: b.effective_from, note: b.note }, request.viewer)
    request.auditDetail = { ...request.auditDetail, version: (row as { id: number }).id }
    return reply.status(201).send(row)
  })
}
export default routes
