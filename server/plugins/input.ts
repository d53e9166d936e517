/** Input the database cannot take is refused before any handler runs, in one place:
 *
 * - a NUL character anywhere in the query, the path or a JSON body (PostgreSQL text cannot hold
 *   one: the driver fails with "invalid message format"), or an unpaired UTF-16 surrogate (not
 *   text; jsonb refuses it), is 400 naming the field;
 * - every number, integer, string and list a route takes must state its bounds in its schema
 *   (minimum and maximum, maxLength, maxItems): a route that forgets is refused when the app is
 *   built, as one without config.access is (plugins/auth.ts). So `Infinity`, 1e400 and a value
 *   past a column's range never reach SQL, and the bounds are published in the OpenAPI document;
 * - dates (`format: date`) are real calendar days between 1900 and 2100 (Ajv's own `date` takes
 *   0000-01-01, which PostgreSQL refuses), see `dateFormats`. */
import fp from 'fastify-plugin'
import type { RouteOptions } from 'fastify'
import type Ajv from 'ajv'
import { HttpError } from '../errors'

export const INPUT_MESSAGES = {
  nul: (field: string) => `字段 "${field}" 含有空字符（NUL），无法保存 / the field "${field}" contains a NUL character, which cannot be stored`,
  surrogate: (field: string) => `字段 "${field}" 含有不成对的 UTF-16 代理项，不是有效文本 / the field "${field}" contains an unpaired UTF-16 surrogate, which is not text and cannot be stored`,
  notFinite: (field: string) => `字段 "${field}" 不是有限的数值 / the field "${field}" is not a finite number (Infinity, 1e400…)`,
  noBoundary: 'Content-Type 为 multipart/form-data 但缺少 boundary 参数 / the Content-Type is multipart/form-data but names no boundary',
  badMultipart: (why: string) => `multipart 请求体无法解析（未使用所声明的 boundary，或提前结束）：${why} / the multipart body cannot be read (it does not use the boundary its Content-Type declares, or ends early): ${why}`,
} as const

/** What a multipart reader (busboy) throws on a malformed request, as the 4xx it is; null for anything else. */
export function multipartError(e: unknown): HttpError | null {
  const message = (e as Error)?.message ?? ''
  if (/Boundary not found/i.test(message)) return new HttpError(400, 'bad_multipart', INPUT_MESSAGES.noBoundary, { field: 'content-type' })
  if (/Unexpected end of (form|multipart)|Malformed part header|Part terminated early|Malformed urlencoded/i.test(message)) {
    return new HttpError(400, 'bad_multipart', INPUT_MESSAGES.badMultipart(message))
  }
  return null
}

/** The first place in a parsed value where `bad` holds (of a string, a number, or an object key), as a field path, or null. */
function findPath(value: unknown, bad: (v: unknown) => boolean, path = ''): string | null {
  if (typeof value === 'string' || typeof value === 'number') return bad(value) ? (path || '(value)') : null
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const p = findPath(value[i], bad, `${path}[${i}]`)
      if (p) return p
    }
    return null
  }
  if (value && typeof value === 'object' && !Buffer.isBuffer(value)) {
    for (const [k, v] of Object.entries(value)) {
      const here = path ? `${path}.${k}` : k
      if (bad(k)) return here
      const p = findPath(v, bad, here)
      if (p) return p
    }
  }
  return null
}

/** Where a NUL character occurs (object keys count too). */
export const nulPath = (value: unknown) => findPath(value, (v) => typeof v === 'string' && v.includes('\u0000'))
/** A high surrogate not followed by a low one, or a low one not after a high one ("\ud800" in JSON):
 * not text; PostgreSQL's jsonb refuses it. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/
export const surrogatePath = (value: unknown) => findPath(value, (v) => typeof v === 'string' && LONE_SURROGATE.test(v))
/** Where a number is not finite: Ajv skips its range checks for Infinity, which its type coercion
 * makes of "Infinity" and "1e400" in a query, and JSON.parse of 1e400 in a body. */
export const nonFinitePath = (value: unknown) => findPath(value, (v) => typeof v === 'number' && !Number.isFinite(v))

// ---------------------------------------------------------------- dates

/** The calendar dates OneMap records (contracts of the 1990s, plans to 2035, deadlines): wide
 * enough for any land record, narrow enough that no date arithmetic leaves PostgreSQL's range. */
export const DATE_RANGE = { from: 1900, to: 2100 } as const

const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]

export function isCalendarDate(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s)
  if (!m) return false
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])]
  if (y < DATE_RANGE.from || y > DATE_RANGE.to || mo < 1 || mo > 12 || d < 1) return false
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0
  return d <= (mo === 2 && leap ? 29 : DAYS[mo - 1]!)
}

/** An Ajv plugin: `date` and `date-time` as above (ajv-formats is added after it by Fastify only
 * when no plugin named formatsPlugin is given, so this one adds the other formats itself). */
export function dateFormats(ajv: Ajv): Ajv {
  ajv.addFormat('date', { type: 'string', validate: isCalendarDate })
  ajv.addFormat('date-time', {
    type: 'string',
    validate: (s: string) => /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?([Zz]|[+-]\d{2}:?\d{2})$/.test(s) &&
      isCalendarDate(s.slice(0, 10)) && !Number.isNaN(Date.parse(s.replace(' ', 'T'))),
  })
  return ajv
}

// ---------------------------------------------------------------- bounds

type Schema = Record<string, unknown>

/** What a schema of a request part leaves unbounded, one line each ("body.geometry…: number without maximum"). */
export function unbounded(schema: unknown, path: string, out: string[] = []): string[] {
  if (!schema || typeof schema !== 'object') return out
  const s = schema as Schema
  for (const key of ['anyOf', 'oneOf', 'allOf'] as const) {
    if (Array.isArray(s[key])) (s[key] as unknown[]).forEach((sub) => unbounded(sub, path, out))
  }
  const types = [s.type].flat().filter(Boolean) as string[]
  const fixed = s.enum !== undefined || s.const !== undefined
  for (const type of types) {
    if ((type === 'integer' || type === 'number') && !fixed) {
      if (typeof s.minimum !== 'number' && typeof s.exclusiveMinimum !== 'number') out.push(`${path}: ${type} without minimum`)
      if (typeof s.maximum !== 'number' && typeof s.exclusiveMaximum !== 'number') out.push(`${path}: ${type} without maximum`)
    }
    if (type === 'string' && !fixed && typeof s.maxLength !== 'number' && s.format !== 'date' && s.format !== 'date-time') {
      out.push(`${path}: string without maxLength`)
    }
    if (type === 'array') {
      if (typeof s.maxItems !== 'number') out.push(`${path}: array without maxItems`)
      unbounded(s.items, `${path}[]`, out)
    }
    if (type === 'object') {
      for (const [k, v] of Object.entries((s.properties ?? {}) as Schema)) unbounded(v, path ? `${path}.${k}` : k, out)
      if (s.patternProperties) for (const [k, v] of Object.entries(s.patternProperties as Schema)) unbounded(v, `${path}[${k}]`, out)
      if (s.additionalProperties && typeof s.additionalProperties === 'object') unbounded(s.additionalProperties, `${path}.*`, out)
    }
  }
  return out
}

/** The request parts of a route's schema that are checked. Headers: only the ones a route names
 * (If-Match), whose value is bounded like any other string. */
const PARTS = ['params', 'querystring', 'body', 'headers'] as const

export function routeUnbounded(route: Pick<RouteOptions, 'schema'>): string[] {
  const schema = route.schema as Record<string, unknown> | undefined
  if (!schema) return []
  return PARTS.flatMap((part) => unbounded(schema[part], part))
}

export default fp(async (app) => {
  app.addHook('onRoute', (route) => {
    const problems = routeUnbounded(route)
    if (problems.length) {
      throw new Error(`route ${[route.method].flat().join(',')} ${route.url} takes input without bounds: ${problems.join('; ')}`)
    }
  })

  // preValidation: the query, the path and a JSON body are parsed by now, before Ajv coerces them
  app.addHook('preValidation', (request, _reply, done) => {
    const field = nulPath(request.params) ?? nulPath(request.query) ?? (Buffer.isBuffer(request.body) ? null : nulPath(request.body))
    if (field) return done(new HttpError(400, 'invalid_request', INPUT_MESSAGES.nul(field), { field }))
    const broken = surrogatePath(request.params) ?? surrogatePath(request.query) ?? (Buffer.isBuffer(request.body) ? null : surrogatePath(request.body))
    if (broken) return done(new HttpError(400, 'invalid_request', INPUT_MESSAGES.surrogate(broken), { field: broken }))
    done()
  })

  // preHandler: after Ajv has coerced the query and the path to numbers
  app.addHook('preHandler', (request, _reply, done) => {
    const field = nonFinitePath(request.params) ?? nonFinitePath(request.query) ?? (Buffer.isBuffer(request.body) ? null : nonFinitePath(request.body))
    if (field) return done(new HttpError(400, 'invalid_request', INPUT_MESSAGES.notFinite(field), { field }))
    done()
  })
}, { name: 'input', dependencies: ['errors'] })
