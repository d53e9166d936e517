/** The shape of server/: repositories are data access only (nothing under server/db/ imports
 * server/routes/ or server/ingest/), and no module imports itself through others (no cycles,
 * type-only imports included: a type cycle is the same tangle for the reader). Read from the
 * TypeScript source with the compiler's own parser, so every import form is seen. */
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'

const SERVER = path.dirname(fileURLToPath(import.meta.url))

type Graph = Map<string, string[]>

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = path.join(dir, d.name)
    if (d.isDirectory()) return sourceFiles(p)
    return d.name.endsWith('.ts') && !d.name.endsWith('.test.ts') && !d.name.endsWith('.d.ts') ? [p] : []
  })
}

function resolveImport(from: string, spec: string): string | null {
  if (!spec.startsWith('.')) return null
  const base = path.resolve(path.dirname(from), spec)
  for (const candidate of [base, `${base}.ts`, path.join(base, 'index.ts')]) {
    if (fs.existsSync(candidate) && fs.statSync(candidate).isFile()) return candidate
  }
  throw new Error(`${path.relative(SERVER, from)}: cannot resolve "${spec}"`)
}

/** Every relative module a file names: import and export declarations, import('…') anywhere. */
function importsOf(file: string, text: string): string[] {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest)
  const specs: string[] = []
  const visit = (node: ts.Node) => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      specs.push(node.moduleSpecifier.text)
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && node.arguments[0] && ts.isStringLiteral(node.arguments[0])) {
      specs.push(node.arguments[0].text)
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      specs.push(node.argument.literal.text)
    }
    ts.forEachChild(node, visit)
  }
  visit(sf)
  return specs.map((s) => resolveImport(file, s)).filter((r): r is string => r !== null)
}

function graphOf(files: Record<string, string>): Graph {
  return new Map(Object.entries(files).map(([f, text]) => [f, importsOf(f, text)]))
}

/** The strongly connected components with more than one module (or a module importing itself). */
function cyclesOf(graph: Graph): string[][] {
  let next = 0
  const index = new Map<string, number>()
  const low = new Map<string, number>()
  const stack: string[] = []
  const onStack = new Set<string>()
  const cycles: string[][] = []
  const connect = (v: string) => {
    index.set(v, next)
    low.set(v, next++)
    stack.push(v)
    onStack.add(v)
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        connect(w)
        low.set(v, Math.min(low.get(v)!, low.get(w)!))
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!))
      }
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = []
      let w: string
      do {
        w = stack.pop()!
        onStack.delete(w)
        component.push(w)
      } while (w !== v)
      if (component.length > 1 || graph.get(v)?.includes(v)) cycles.push(component.sort())
    }
  }
  for (const v of graph.keys()) if (!index.has(v)) connect(v)
  return cycles
}

const rel = (f: string) => path.relative(SERVER, f).split(path.sep).join('/')

const serverGraph = graphOf(Object.fromEntries(sourceFiles(SERVER).map((f) => [f, fs.readFileSync(f, 'utf8')])))

describe('the import structure of server/', () => {
  it('reads every module and its imports (the checks below see the real graph)', () => {
    expect(serverGraph.size).toBeGreaterThan(100)
    const parcels = [...serverGraph.entries()].find(([f]) => rel(f) === 'routes/parcels/index.ts')
    expect(parcels && parcels[1].map(rel)).toContain('schemas/parcel.ts')
  })

  it('finds a cycle when there is one, type-only and through three modules', () => {
    const dir = path.join(SERVER, 'db')
    const a = path.join(dir, 'actor.ts')
    const v = path.join(dir, 'viewer.ts')
    const s = path.join(dir, 'sql.ts')
    const planted = graphOf({
      [a]: "import type { Viewer } from './viewer'",
      [v]: "export { sqlLoader } from './sql'",
      [s]: "type X = import('./actor').Writer",
    })
    expect(cyclesOf(planted).map((c) => c.map(rel))).toEqual([['db/actor.ts', 'db/sql.ts', 'db/viewer.ts']])
    expect(cyclesOf(graphOf({ [a]: "import type { Viewer } from './viewer'", [v]: '' }))).toEqual([])
  })

  it('has no file under server/db/ importing from server/routes/ or server/ingest/', () => {
    const wrong = [...serverGraph.entries()]
      .filter(([f]) => rel(f).startsWith('db/'))
      .flatMap(([f, deps]) => deps.filter((d) => /^(routes|ingest)\//.test(rel(d))).map((d) => `${rel(f)} → ${rel(d)}`))
    expect(wrong).toEqual([])
  })

  it('has no import cycles', () => {
    expect(cyclesOf(serverGraph).map((c) => c.map(rel).join(' ⇄ '))).toEqual([])
  })
})
