/** Loads the .sql files that sit next to a repository, once, as QueryFiles. */
import { createHash } from 'node:crypto'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Pool, QueryResultRow } from 'pg'
import pgPromise, { type IDatabase, type ITask } from 'pg-promise'

export function sqlLoader(importMetaUrl: string) {
  const dir = path.dirname(fileURLToPath(importMetaUrl))
  return (file: string): pgPromise.QueryFile => {
    const qf = new pgPromise.QueryFile(path.join(dir, file), { minify: true })
    if (qf.error) throw qf.error
    return qf
  }
}

/** A named prepared statement made from a QueryFile written with named parameters (`${code}`):
 * each `${name}` becomes `$n`, n its place in `names`, so that the one .sql file serves both the
 * prepared statement (parsed once per connection, its plan cached by PostgreSQL) and, formatted
 * with its values, the plain SQL text the benchmarks run for comparison. Only plain `${name}`
 * parameters: a raw or formatted one (`${x:raw}`) is refused. */
export function preparedText(qf: pgPromise.QueryFile, names: readonly string[]): string {
  const text = pgPromise.as.format(qf)
  return text.replace(/\$\{([^}]*)\}/g, (_, name: string) => {
    const i = names.indexOf(name)
    if (i < 0) throw new Error(`${qf.file}: parameter \${${name}} is not one of ${names.join(', ')}`)
    return `$${i + 1}`
  })
}

/** A named prepared statement for a query whose optional filters are written
 * `(${x}::type IS NULL OR <condition on ${x}>)` (the parcel search): one statement per shape of the
 * values, i.e. which of them are null and what the booleans are. In each, a null value becomes
 * the constant NULL, `${x}::type IS NULL` the constant true or false, a boolean the constant, and
 * only the other values stay parameters. The planner folds the constants away, so a generic plan
 * (PostgreSQL's choice after five runs of a statement) has only the conditions the request uses,
 * and can use their indexes (a parameter inside `$1 IS NULL OR ST_Intersects(...)` would keep the
 * spatial index out of it). `${x:raw}` is spliced before (a fixed SQL fragment, not a value). */
export function preparedShape(prefix: string, text: string, values: Record<string, unknown>): Prepared {
  const key = Object.keys(values).sort().map((k) => {
    const v = values[k]
    return `${k}=${v === null || v === undefined ? 'null' : typeof v === 'boolean' ? String(v) : '$'}`
  }).join(',')
  let shape = shapes.get(prefix + '|' + key)
  if (!shape || shape.source !== text) {
    const names: string[] = []
    const out = text
      .replace(/\$\{(\w+)\}(::[\w[\]]+)? IS NULL/g, (_, name: string) => {
        if (!(name in values)) throw new Error(`${prefix}: no value for \${${name}}`)
        return values[name] === null || values[name] === undefined ? 'true' : 'false'
      })
      .replace(/\$\{(\w+)\}/g, (_, name: string) => {
        if (!(name in values)) throw new Error(`${prefix}: no value for \${${name}}`)
        const v = values[name]
        if (v === null || v === undefined) return 'NULL'
        if (typeof v === 'boolean') return String(v)
        let i = names.indexOf(name)
        if (i < 0) i = names.push(name) - 1
        return `$${i + 1}`
      })
    shape = { source: text, names, name: `${prefix}-${createHash('sha1').update(out).digest('hex').slice(0, 16)}`, text: out }
    shapes.set(prefix + '|' + key, shape)
  }
  return { name: shape.name, text: shape.text, values: shape.names.map((n) => values[n]) }
}

const shapes = new Map<string, { source: string; names: string[]; name: string; text: string }>()

/** A named prepared statement with its values, as node-postgres takes it. */
export interface Prepared { name: string; text: string; values: unknown[] }

/** The one row of a prepared statement that answers at most one, or null. On the root database
 * object it goes to the pool through node-postgres directly: pg-promise's own machinery around a
 * query (its query object, context, events and promise chain) cost ~0.09 ms of server CPU per
 * card request on this host (a card route through pg-promise 0.57 ms of server CPU a request,
 * the same statement through the pool 0.48 ms, sequential requests from a client process, six
 * rounds each, median), about as much as all of a do-nothing authenticated route (0.14 ms). The
 * same pool, connections, statement names and type parsers (pgp.pg is the pool's module). Inside
 * a task or transaction (no $pool) the query runs on its connection, through pg-promise. */
export async function preparedRow<T extends QueryResultRow>(conn: IDatabase<unknown> | ITask<unknown>, statement: Prepared): Promise<T | null> {
  const pool = (conn as { $pool?: Pool }).$pool
  if (!pool) return conn.oneOrNone<T>(statement)
  const { rows } = await pool.query<T>(statement)
  if (rows.length > 1) throw new Error(`${statement.name}: ${rows.length} rows where at most one was expected`)
  return rows[0] ?? null
}
