/** Loads the .sql files that sit next to a repository, once, as QueryFiles. */
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import pgPromise from 'pg-promise'

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
