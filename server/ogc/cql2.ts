/** CQL2 text (OGC API – Features Part 3 filters): a hand-written recursive-descent parser to a
 * tree, and a compiler from the tree to SQL. No npm parser is good enough (the only geo one,
 * geostyler-cql-parser, has no S_INTERSECTS, no '' escape and no error positions). The SQL text
 * comes only from the collection registry's column expressions and `$n` placeholders: every
 * literal, pattern and geometry is a bound parameter, and a name that is not a queryable of the
 * collection for this caller is refused (GeoServer's CVE-2023-25157 and CVE-2024-36401 came from
 * property names and literals concatenated into SQL or evaluated).
 *
 * The subset (cql2.bnf): basic-cql2 (AND, OR, NOT, =, <>, <, <=, >, >=, IS [NOT] NULL, TRUE,
 * FALSE), advanced comparison ([NOT] LIKE, [NOT] BETWEEN, [NOT] IN), CASEI with LIKE, and
 * S_INTERSECTS with any geometry literal (POINT … MULTIPOLYGON, BBOX); property on the left,
 * literal on the right. GDAL's OAPIF driver writes exactly this (`-where` pushed down). */

export type Literal = string | number | boolean
export interface GeometryLiteral { type: string; coordinates: unknown }

export type CqlNode =
  | { k: 'and' | 'or'; args: CqlNode[] }
  | { k: 'not'; arg: CqlNode }
  | { k: 'bool'; value: boolean }
  | { k: 'cmp'; op: '=' | '<>' | '<' | '<=' | '>' | '>='; prop: string; value: Literal }
  | { k: 'like'; prop: string; pattern: string; not: boolean; casei: boolean }
  | { k: 'between'; prop: string; lo: number; hi: number; not: boolean }
  | { k: 'in'; prop: string; values: Literal[]; not: boolean }
  | { k: 'isnull'; prop: string; not: boolean }
  | { k: 'intersects'; prop: string; geom: GeometryLiteral }

/** A filter that cannot be read or does not fit the collection: a 400 with the position. */
export class CqlError extends Error {
  constructor(readonly zh: string, readonly en: string, readonly pos: number | null = null) {
    super(`过滤条件有误：${zh}${pos !== null ? `（第 ${pos + 1} 个字符）` : ''} / invalid filter: ${en}${pos !== null ? ` (at character ${pos + 1})` : ''}`)
  }
}

/** Bounds on a filter: its length, nesting, size, and the size of its parts. */
export const CQL_LIMITS = { length: 16_384, depth: 20, nodes: 500, inList: 1_000, vertices: 10_000, literal: 1_000 } as const

type Token = { t: 'id' | 'qid' | 'str' | 'num' | 'op' | 'eof'; v: string; pos: number }

// identifierStart / identifierPart of cql2.bnf, with the CJK block, so 宗地编号 needs no quotes
const ID_START = /[:_A-Za-z\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u02FF\u0370-\u037D\u037F-\u1FFE\u200C\u200D\u2070-\u218F\u2C00-\u2FEF\u3001-\uD7FF\uF900-\uFDCF\uFDF0-\uFFFD]/
const ID_PART = /[:_A-Za-z0-9.\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u036F\u0370-\u037D\u037F-\u1FFE\u200C\u200D\u203F\u2040\u2070-\u218F\u2C00-\u2FEF\u3001-\uD7FF\uF900-\uFDCF\uFDF0-\uFFFD]/
const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?/

function lex(src: string): Token[] {
  if (src.length > CQL_LIMITS.length) throw new CqlError(`超过 ${CQL_LIMITS.length} 个字符`, `longer than ${CQL_LIMITS.length} characters`)
  const out: Token[] = []
  let i = 0
  while (i < src.length) {
    const c = src[i]!
    if (/\s/.test(c)) { i++; continue }
    const start = i
    if (c === "'") {
      let s = ''
      i++
      for (;;) {
        if (i >= src.length) throw new CqlError('字符串未结束', 'a string is not closed', start)
        const d = src[i]!
        if ((d === "'" || d === '\\') && src[i + 1] === "'") { s += "'"; i += 2; continue }
        if (d === "'") { i++; break }
        s += d
        i++
      }
      if (s.length > CQL_LIMITS.literal) throw new CqlError(`字符串超过 ${CQL_LIMITS.literal} 个字符`, `a string longer than ${CQL_LIMITS.literal} characters`, start)
      out.push({ t: 'str', v: s, pos: start })
      continue
    }
    if (c === '"') {
      const end = src.indexOf('"', i + 1)
      if (end < 0 || end - i > 200) throw new CqlError('带引号的属性名未结束', 'a quoted property name is not closed', start)
      out.push({ t: 'qid', v: src.slice(i + 1, end), pos: start })
      i = end + 1
      continue
    }
    // the subset has no arithmetic: a sign before digits is always the number's own (positions
    // of a geometry are numbers side by side: POINT(-1 -2))
    const num = NUMBER.exec(src.slice(i, i + 64))
    if (num) {
      out.push({ t: 'num', v: num[0], pos: start })
      i += num[0].length
      continue
    }
    const two = src.slice(i, i + 2)
    if (two === '<>' || two === '<=' || two === '>=') { out.push({ t: 'op', v: two, pos: start }); i += 2; continue }
    if ('()=<>,'.includes(c)) { out.push({ t: 'op', v: c, pos: start }); i++; continue }
    if (ID_START.test(c)) {
      let j = i + 1
      while (j < src.length && j - i < 200 && ID_PART.test(src[j]!)) j++
      out.push({ t: 'id', v: src.slice(i, j), pos: start })
      i = j
      continue
    }
    throw new CqlError(`无法识别的字符 ${JSON.stringify(c)}`, `unexpected character ${JSON.stringify(c)}`, start)
  }
  out.push({ t: 'eof', v: '', pos: src.length })
  return out
}

const RESERVED = new Set(['AND', 'OR', 'NOT', 'LIKE', 'BETWEEN', 'IN', 'IS', 'NULL', 'TRUE', 'FALSE', 'CASEI', 'ACCENTI'])
const COMPARISONS = ['=', '<>', '<', '<=', '>', '>=']

export function parseCql2(src: string): CqlNode {
  const toks = lex(src)
  let p = 0
  let depth = 0
  let nodes = 0
  let vertices = 0
  const peek = () => toks[p]!
  const next = () => toks[p++]!
  const kw = (w: string) => peek().t === 'id' && peek().v.toUpperCase() === w
  const eatKw = (w: string) => (kw(w) ? (p++, true) : false)
  const expect = (v: string) => {
    const t = next()
    if (t.t !== 'op' || t.v !== v) throw new CqlError(`此处应为 "${v}"`, `expected "${v}"`, t.pos)
  }
  const node = <T extends CqlNode>(n: T): T => {
    if (++nodes > CQL_LIMITS.nodes) throw new CqlError(`条件超过 ${CQL_LIMITS.nodes} 项`, `more than ${CQL_LIMITS.nodes} conditions`, peek().pos)
    return n
  }
  const nested = <T>(f: () => T): T => {
    if (++depth > CQL_LIMITS.depth) throw new CqlError(`嵌套超过 ${CQL_LIMITS.depth} 层`, `nested deeper than ${CQL_LIMITS.depth}`, peek().pos)
    const r = f()
    depth--
    return r
  }

  const property = (): string => {
    const t = next()
    if (t.t === 'qid' && t.v.length > 0) return t.v
    if (t.t === 'id' && !RESERVED.has(t.v.toUpperCase())) return t.v
    throw new CqlError('此处应为属性名', 'expected a property name', t.pos)
  }
  const literal = (): Literal => {
    const t = next()
    if (t.t === 'str') return t.v
    if (t.t === 'num') {
      const n = Number(t.v)
      if (!Number.isFinite(n)) throw new CqlError('数值超出范围', 'a number out of range', t.pos)
      return n
    }
    if (t.t === 'id' && /^(TRUE|FALSE)$/i.test(t.v)) return t.v.toUpperCase() === 'TRUE'
    throw new CqlError('此处应为字符串、数值或 TRUE/FALSE', 'expected a string, a number, TRUE or FALSE', t.pos)
  }
  const number = (): number => {
    const at = peek().pos
    const v = literal()
    if (typeof v !== 'number') throw new CqlError('此处应为数值', 'expected a number', at)
    return v
  }

  // geometry literals (WKT) become GeoJSON built from the parsed numbers: the text never reaches SQL
  const position = (): number[] => {
    const xs: number[] = []
    while (peek().t === 'num' && xs.length < 4) xs.push(number())
    if (xs.length < 2 || xs.length > 3) throw new CqlError('坐标应为 2 或 3 个数值', 'a position is 2 or 3 numbers', peek().pos)
    if (++vertices > CQL_LIMITS.vertices) throw new CqlError(`几何超过 ${CQL_LIMITS.vertices} 个顶点`, `a geometry of more than ${CQL_LIMITS.vertices} vertices`, peek().pos)
    return xs
  }
  const list = <T>(item: () => T): T[] => {
    expect('(')
    const a = [item()]
    while (peek().t === 'op' && peek().v === ',') { p++; a.push(item()) }
    expect(')')
    return a
  }
  const ring = () => {
    const at = peek().pos
    const r = list(position)
    if (r.length < 4) throw new CqlError('多边形的环至少 4 个坐标', 'a ring needs at least 4 positions', at)
    const [first, last] = [r[0]!, r[r.length - 1]!]
    if (first.length !== last.length || first.some((v, i) => v !== last[i])) throw new CqlError('多边形的环应首尾相同', 'a ring must end where it starts', at)
    return r
  }
  const line = () => {
    const at = peek().pos
    const l = list(position)
    if (l.length < 2) throw new CqlError('线至少 2 个坐标', 'a line needs at least 2 positions', at)
    return l
  }
  const geometry = (): GeometryLiteral => {
    const t = next()
    const tag = t.t === 'id' ? t.v.toUpperCase() : ''
    if (kw('Z')) p++
    switch (tag) {
      case 'POINT': { expect('('); const c = position(); expect(')'); return { type: 'Point', coordinates: c } }
      case 'LINESTRING': return { type: 'LineString', coordinates: line() }
      case 'POLYGON': return { type: 'Polygon', coordinates: list(ring) }
      case 'MULTIPOINT': return { type: 'MultiPoint', coordinates: list(() => (peek().v === '(' ? (() => { expect('('); const c = position(); expect(')'); return c })() : position())) }
      case 'MULTILINESTRING': return { type: 'MultiLineString', coordinates: list(line) }
      case 'MULTIPOLYGON': return { type: 'MultiPolygon', coordinates: list(() => list(ring)) }
      case 'BBOX': {
        const n = list(number)
        if (n.length !== 4) throw new CqlError('BBOX 应为 4 个数值', 'BBOX takes 4 numbers', t.pos)
        const [w, s, e, north] = n as [number, number, number, number]
        if (!(w <= e && s <= north)) throw new CqlError('BBOX 的最小值应在前', 'BBOX takes the lower corner first', t.pos)
        return { type: 'Polygon', coordinates: [[[w, s], [e, s], [e, north], [w, north], [w, s]]] }
      }
      default: throw new CqlError('此处应为几何（POINT、POLYGON、BBOX 等）', 'expected a geometry (POINT, POLYGON, BBOX…)', t.pos)
    }
  }

  const predicate = (): CqlNode => {
    const t = peek()
    if (t.t === 'id' && /^S_INTERSECTS$/i.test(t.v) && toks[p + 1]?.v === '(') {
      p++
      expect('(')
      const prop = property()
      expect(',')
      const geom = geometry()
      expect(')')
      return node({ k: 'intersects', prop, geom })
    }
    if (t.t === 'id' && /^(TRUE|FALSE)$/i.test(t.v)) { p++; return node({ k: 'bool', value: t.v.toUpperCase() === 'TRUE' }) }
    let casei = false
    let prop: string
    if (kw('CASEI') && toks[p + 1]?.v === '(') { p++; expect('('); prop = property(); expect(')'); casei = true } else prop = property()
    const not = eatKw('NOT')
    if (eatKw('LIKE')) {
      const at = peek().pos
      let pattern: Literal
      if (kw('CASEI')) { p++; expect('('); pattern = literal(); expect(')'); casei = true } else pattern = literal()
      if (typeof pattern !== 'string') throw new CqlError('LIKE 需要字符串模式', 'LIKE takes a string pattern', at)
      return node({ k: 'like', prop, pattern, not, casei })
    }
    if (casei) throw new CqlError('CASEI 仅可用于 LIKE', 'CASEI is supported with LIKE only', peek().pos)
    if (eatKw('BETWEEN')) {
      const lo = number()
      if (!eatKw('AND')) throw new CqlError('此处应为 AND', 'expected AND', peek().pos)
      return node({ k: 'between', prop, lo, hi: number(), not })
    }
    if (eatKw('IN')) {
      const at = peek().pos
      const values = list(literal)
      if (values.length > CQL_LIMITS.inList) throw new CqlError(`IN 列表超过 ${CQL_LIMITS.inList} 项`, `an IN list of more than ${CQL_LIMITS.inList} values`, at)
      return node({ k: 'in', prop, values, not })
    }
    if (not) throw new CqlError('NOT 之后应为 LIKE、BETWEEN 或 IN', 'expected LIKE, BETWEEN or IN after NOT', peek().pos)
    if (eatKw('IS')) {
      const isNot = eatKw('NOT')
      if (!eatKw('NULL')) throw new CqlError('此处应为 NULL', 'expected NULL', peek().pos)
      return node({ k: 'isnull', prop, not: isNot })
    }
    const o = next()
    if (o.t !== 'op' || !COMPARISONS.includes(o.v)) throw new CqlError('此处应为比较运算符', 'expected a comparison (=, <>, <, <=, >, >=, LIKE, BETWEEN, IN, IS NULL)', o.pos)
    return node({ k: 'cmp', op: o.v as '=', prop, value: literal() })
  }
  const primary = (): CqlNode => {
    if (peek().t === 'op' && peek().v === '(') {
      p++
      const e = nested(orExpr)
      expect(')')
      return e
    }
    return predicate()
  }
  const factor = (): CqlNode => (eatKw('NOT') ? nested(() => node({ k: 'not', arg: factor() })) : primary())
  const andExpr = (): CqlNode => {
    const a = [factor()]
    while (eatKw('AND')) a.push(factor())
    return a.length === 1 ? a[0]! : node({ k: 'and', args: a })
  }
  function orExpr(): CqlNode {
    const a = [andExpr()]
    while (eatKw('OR')) a.push(andExpr())
    return a.length === 1 ? a[0]! : node({ k: 'or', args: a })
  }

  const tree = orExpr()
  if (peek().t !== 'eof') throw new CqlError(`多余的内容 ${JSON.stringify(peek().v)}`, `unexpected ${JSON.stringify(peek().v)}`, peek().pos)
  return tree
}

/** What a filter may name: the collection's fields for this caller, and its geometry. */
export interface Queryable {
  /** SQL over the collection's aliases (from the registry, never from the request). */
  sql: string
  type: 'string' | 'number' | 'boolean' | 'geometry'
}

/** The filter as SQL: `add` binds a value and returns its placeholder. `geometry` turns a bound
 * GeoJSON placeholder into a geometry in the collection's SRID (filter-crs and axis order). */
export function cqlToSql(
  tree: CqlNode,
  queryables: ReadonlyMap<string, Queryable>,
  add: (value: unknown, cast: string) => string,
  geometry: (placeholder: string) => string,
): { sql: string; used: Set<string> } {
  const used = new Set<string>()
  const field = (name: string, allowed: Queryable['type'][]): Queryable => {
    const q = queryables.get(name)
    if (!q) throw new CqlError(`"${name}" 不是此图层集合的可查询属性`, `"${name}" is not a queryable of this collection (see its /queryables)`)
    if (!allowed.includes(q.type)) throw new CqlError(`"${name}" 为 ${q.type} 类型，不能这样比较`, `"${name}" is a ${q.type}: it cannot be used so`)
    used.add(name)
    return q
  }
  const cast = (q: Queryable) => (q.type === 'string' ? 'text' : q.type === 'boolean' ? 'boolean' : 'float8')
  const value = (name: string, q: Queryable, v: Literal): string => {
    const ok = q.type === 'string' ? typeof v === 'string' : q.type === 'boolean' ? typeof v === 'boolean' : typeof v === 'number'
    if (!ok) throw new CqlError(`"${name}" 为 ${q.type} 类型，不能与 ${JSON.stringify(v)} 比较`, `"${name}" is a ${q.type}: it cannot be compared with ${JSON.stringify(v)}`)
    return add(v, cast(q))
  }
  const go = (n: CqlNode): string => {
    switch (n.k) {
      case 'and': case 'or': return `(${n.args.map(go).join(n.k === 'and' ? ' AND ' : ' OR ')})`
      case 'not': return `(NOT ${go(n.arg)})`
      case 'bool': return n.value ? 'TRUE' : 'FALSE'
      case 'cmp': {
        const q = field(n.prop, ['string', 'number', 'boolean'])
        if (q.type === 'boolean' && n.op !== '=' && n.op !== '<>') throw new CqlError(`"${n.prop}" 为 boolean 类型，只能用 = 或 <>`, `"${n.prop}" is a boolean: only = and <> apply`)
        return `(${q.sql} ${n.op} ${value(n.prop, q, n.value)})`
      }
      case 'like': {
        const q = field(n.prop, ['string'])
        return `(${q.sql} ${n.not ? 'NOT ' : ''}${n.casei ? 'ILIKE' : 'LIKE'} ${add(n.pattern, 'text')})`
      }
      case 'between': {
        const q = field(n.prop, ['number'])
        return `(${q.sql} ${n.not ? 'NOT ' : ''}BETWEEN ${add(n.lo, 'float8')} AND ${add(n.hi, 'float8')})`
      }
      case 'in': {
        const q = field(n.prop, ['string', 'number'])
        for (const v of n.values) value(n.prop, q, v)
        return `(${q.sql} ${n.not ? '<> ALL' : '= ANY'}(${add(n.values, `${cast(q)}[]`)}))`
      }
      case 'isnull': {
        const q = field(n.prop, ['string', 'number', 'boolean'])
        return `(${q.sql} IS ${n.not ? 'NOT ' : ''}NULL)`
      }
      case 'intersects': {
        const q = field(n.prop, ['geometry'])
        return `ST_Intersects(${q.sql}, ${geometry(add(JSON.stringify(n.geom), 'text'))})`
      }
    }
  }
  return { sql: go(tree), used }
}

/** Every position of every geometry literal of a filter (to check them against the filter CRS). */
export function positionsOf(tree: CqlNode): number[][] {
  const out: number[][] = []
  const walk = (c: unknown) => {
    if (Array.isArray(c) && typeof c[0] === 'number') out.push(c as number[])
    else if (Array.isArray(c)) for (const x of c) walk(x)
  }
  const visit = (n: CqlNode) => {
    if (n.k === 'and' || n.k === 'or') n.args.forEach(visit)
    else if (n.k === 'not') visit(n.arg)
    else if (n.k === 'intersects') walk(n.geom.coordinates)
  }
  visit(tree)
  return out
}
