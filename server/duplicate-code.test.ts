/** No repeated code in server/ and sql/functions/: jscpd (a copy-paste detector, run as its npm
 * package ships it) finds every block of MIN_LINES lines or more that stands twice — the same
 * tokens, whitespace and comments aside — and the test lists them. One piece of code serves where
 * the logic is the same: a builder in server/test/, a helper, an SQL function. A shorter repeat is
 * left to review (`npx jscpd --min-lines 8 server sql/functions` lists them). */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'

const ROOT = path.resolve(import.meta.dirname, '..')
const JSCPD = createRequire(import.meta.url).resolve('jscpd/run-jscpd.js')
/** The shortest copy that fails: the longest repeats left today are 12 lines (import blocks of two
 * test files, a card's contract fields in two queries). */
const MIN_LINES = 13

interface Clone { lines: number; firstFile: { name: string; start: number; end: number }; secondFile: { name: string; start: number; end: number } }

/** The copies jscpd finds in `paths` (relative to `cwd`), as "N lines: a:from-to = b:from-to". */
function copies(cwd: string, paths: string[], minLines = MIN_LINES): string[] {
  const out = mkdtempSync(path.join(tmpdir(), 'onemap-jscpd-'))
  try {
    const run = spawnSync(process.execPath, [JSCPD, '--min-lines', String(minLines), '--format', 'typescript,sql',
      '--reporters', 'json', '--output', out, ...paths], { cwd, encoding: 'utf8' })
    expect(run.status, run.stderr).toBe(0)
    const report = JSON.parse(readFileSync(path.join(out, 'jscpd-report.json'), 'utf8')) as { duplicates: Clone[] }
    const at = (f: Clone['firstFile']) => `${f.name}:${f.start}-${f.end}`
    return report.duplicates.map((d) => `${d.lines} lines: ${at(d.firstFile)} = ${at(d.secondFile)}`)
  } finally {
    rmSync(out, { recursive: true, force: true })
  }
}

describe('duplicate code', () => {
  it(`server/ and sql/functions/ hold no copy of ${MIN_LINES} lines or more`, () => {
    expect(copies(ROOT, ['server', 'sql/functions'])).toEqual([])
  })

  it('the check finds a copied block, in TypeScript and in SQL', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'onemap-copy-'))
    try {
      const block = Array.from({ length: MIN_LINES + 2 }, (_, i) => `  const v${i} = input.values[${i}] * ${i + 1} + offset`).join('\n')
      writeFileSync(path.join(dir, 'a.ts'), `export function a(input: { values: number[] }, offset: number) {\n${block}\n  return 1\n}\n`)
      writeFileSync(path.join(dir, 'b.ts'), `export function b(input: { values: number[] }, offset: number) {\n${block}\n  return 2\n}\n`)
      const select = Array.from({ length: MIN_LINES + 2 }, (_, i) => `  coalesce(p.f${i}, 0) * ${i + 1} AS f${i},`).join('\n')
      writeFileSync(path.join(dir, 'a.sql'), `SELECT\n${select}\n  p.id\nFROM parcel p;\n`)
      writeFileSync(path.join(dir, 'b.sql'), `SELECT\n${select}\n  p.code\nFROM parcel p;\n`)
      const found = copies(dir, ['.'])
      expect(found).toHaveLength(2)
      expect(found.join('\n')).toMatch(/a\.ts.* = .*b\.ts|b\.ts.* = .*a\.ts/)
      expect(found.join('\n')).toMatch(/a\.sql.* = .*b\.sql|b\.sql.* = .*a\.sql/)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
