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
