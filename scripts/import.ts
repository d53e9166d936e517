/** import: stage, check and (with --commit) commit an upload from the command line, with the same
 * modules as POST /api/uploads, against DATABASE_URL or the embedded database (ONEMAP_DATA_DIR).
 * The embedded database's folder is one process's at a time (server/db/data-lock.ts): while the
 * server runs on it, the CLI refuses in one line naming the server and where to upload instead.
 *
 *   npm run import -- <file.zip|.geojson|.txt|.gpkg|.kml|.kmz|.dxf|.csv|.xlsx|.geojsonl> --layer parcels [--source-layer NAME] [--crs EPSG:4546 [--confirm-crs]] [--encoding gbk]
 *                     [--mapping '{"code":"宗地编号"}'] [--county 410311] [--user NAME]
 *                     [--commit [--skip-rejected] [--accept-warnings]] [--json]
 *
 * A progress bar goes to stderr; to stdout the encoding and CRS read for each source with the
 * reason, then the report (--json: both as JSON, `description` and `report`). The upload is
 * recorded like any other (by `--user`, default import-cli); without --commit it stays ready, to
 * be committed later through the API. Exits non-zero on any error, including a refused commit. */
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { basename } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { parseArgs } from 'node:util'
import 'dotenv/config'
import { loadConfig } from '../server/config'
import { backupGuard } from '../server/backup/guard'
import { DatabaseSetupError, openDatabase } from '../server/db/connect'
import { MigrationError } from '../server/db/migrate'
import { ReferenceDataError } from '../server/db/reference'
import type { UploadReport } from '../server/db/repos/uploads'
import { loadIngestSettings, readLimitsOf } from '../server/ingest/settings'
import type { UploadDescription } from '../server/ingest/read-features'
import { commandJobs, commitUpload, createUpload, getUpload, uploadContext } from '../server/ingest/uploads'

const USAGE = `usage: npm run import -- <file> --layer parcels|batches|contracts|plan_zones|clusters|changes
  [--crs EPSG:4546 [--confirm-crs]] [--encoding gbk] [--source-layer NAME] [--mapping JSON] [--county 410311[,…]] [--user NAME]
  [--commit [--skip-rejected] [--accept-warnings]] [--json]`

class UsageError extends Error {}

function progressBar() {
  const tty = process.stderr.isTTY
  let lastLine = ''
  let lastPhase = ''
  let lastAt = 0
  return {
    update(phase: string, percent: number) {
      const width = 30
      const filled = Math.round((percent / 100) * width)
      const line = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${percent.toFixed(0).padStart(3)}% ${phase}`
      if (line === lastLine) return
      const now = Date.now()
      // Not a terminal (CI logs): a line per phase, then one every two seconds, not one per tick.
      if (!tty && phase === lastPhase && now - lastAt < 2000 && percent < 100) return
      lastLine = line
      lastPhase = phase
      lastAt = now
      process.stderr.write(tty ? `\r${line}\u001b[K` : `${line}\n`)
    },
    done() {
      if (tty && lastLine) process.stderr.write('\n')
    },
  }
}

/** What was decided for each source of the file, and why. */
function printDecisions(d: UploadDescription) {
  const out = (s = '') => process.stdout.write(s + '\n')
  for (const s of d.sources) {
    out(`文件 source ${s.name}（${d.kind}，${s.featureCount} 个要素 features）`)
    out(`  编码 encoding: ${s.encoding ? `${s.encoding.encoding} — ${s.encoding.reason}` : 'utf8 — 该格式按定义为 UTF-8（GeoJSON、GeoPackage、KML） / UTF-8 by the format\'s definition (GeoJSON, GeoPackage, KML)'}`)
    out(`  坐标系 CRS: EPSG:${s.crs.epsg} — ${s.crs.reason}`)
  }
}

function printReport(id: string, r: UploadReport) {
  const out = (s = '') => process.stdout.write(s + '\n')
  out(`上传 upload ${id}`)
  out(`  要素 features: ${r.featureCount}   通过 accepted: ${r.accepted}   拒绝 rejected: ${r.rejected}   有警告 warned: ${r.warned}`)
  out(`  新增 new: ${r.new}   将更新 changed: ${r.changed}   未变 unchanged: ${r.unchanged}   面积 area: ${r.areaM2} m²`)
  for (const c of r.changes.slice(0, 20)) out(`  更新 change #${c.index + 1}${c.key ? ` ${c.key}` : ''}: ${c.fields.join(', ')}`)
  if (r.changes.length > 20 || r.changesTruncated) out(`  … (${r.changed} changed in all)`)
  const codes = Object.entries(r.byCode)
  if (codes.length) out(`  问题 issues: ${codes.map(([c, n]) => `${c} ${n}`).join(', ')}`)
  for (const i of r.issues.slice(0, 20)) out(`  ${i.level === 'error' ? '错误 error  ' : '警告 warning'} #${i.index + 1}${i.key ? ` ${i.key}` : ''}: ${i.message}`)
  if (r.issues.length > 20 || r.issuesTruncated) out(`  … (${r.errors + r.warnings} in all; GET /api/uploads/${id}/features lists each feature's issues)`)
}

async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256')
  await pipeline(createReadStream(path), hash)
  return hash.digest('hex')
}

async function main(): Promise<number> {
  let parsed
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: {
        layer: { type: 'string' }, crs: { type: 'string' }, 'confirm-crs': { type: 'boolean', default: false },
        encoding: { type: 'string' }, mapping: { type: 'string' }, 'source-layer': { type: 'string' },
        county: { type: 'string' }, user: { type: 'string', default: 'import-cli' },
        commit: { type: 'boolean', default: false }, 'skip-rejected': { type: 'boolean', default: false },
        'accept-warnings': { type: 'boolean', default: false }, json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    })
  } catch (e) {
    throw new UsageError((e as Error).message)
  }
  const { values: opts, positionals } = parsed
  if (opts.help) {
    console.log(USAGE)
    return 0
  }
  if (positionals.length !== 1) throw new UsageError('give exactly one file')
  if (!opts.layer) throw new UsageError('--layer is required')
  let mapping: Record<string, string | null> | undefined
  if (opts.mapping) {
    try {
      mapping = JSON.parse(opts.mapping)
    } catch (e) {
      throw new UsageError(`--mapping is not JSON: ${(e as Error).message}`)
    }
  }
  const scope = opts.county ? opts.county.split(',').map((c) => c.trim()) : null
  if (scope?.some((c) => !/^4103\d\d$/.test(c))) throw new UsageError('--county takes 6-digit Luoyang county codes (4103xx)')
  const file = positionals[0]!
  const { size } = await stat(file).catch(() => {
    throw new UsageError(`no such file: ${file}`)
  })

  const config = loadConfig()
  const settings = loadIngestSettings()
  // pending migrations on a database in use need a recent backup, as at the server's start (server/backup/guard.ts)
  const database = await openDatabase({
    databaseUrl: config.databaseUrl, dataDir: config.dataDir, countyBoundaries: config.countyBoundaries, purpose: 'import',
    migrationGuard: backupGuard(config.backup),
  })
  if (database.migration.note) process.stderr.write(`${database.migration.note}\n`)
  const bar = progressBar()
  try {
    const ctx = uploadContext({
      db: database.db, useCopy: database.mode === 'server', settings, limits: readLimitsOf(config, settings), jobs: commandJobs(database.db, config.jobs.leaseMs),
    })
    const user = { username: opts.user!, scope }
    const created = await createUpload(ctx, {
      path: file, fileName: basename(file), sha256: await sha256Of(file), sizeBytes: size,
      layer: opts.layer, crs: opts.crs, confirmCrs: opts['confirm-crs'], encoding: opts.encoding, sourceLayer: opts['source-layer'], mapping, user, mode: 'foreground',
      onProgress: (phase, percent) => bar.update(phase === 'reading' ? '读取 reading' : phase === 'checking' ? '校验 checking' : phase, percent),
    })
    bar.done()
    const report = created.report!
    const description = (await getUpload(ctx, created.id, user)).description as UploadDescription
    if (opts.json) process.stdout.write(JSON.stringify({ id: created.id, description, report }, null, 2) + '\n')
    else {
      printDecisions(description)
      printReport(created.id, report)
    }
    if (!opts.commit) {
      console.error(`未提交 not committed: npm run import -- … --commit, or POST /api/uploads/${created.id}/commit`)
      return 0
    }
    const outcome = await commitUpload(ctx, created.id, user, {
      skipRejected: opts['skip-rejected'], acceptWarnings: opts['accept-warnings'], mode: 'foreground', waitSettled: true,
      onProgress: (phase, percent) => bar.update(phase === 'committing' ? '提交 committing' : phase === 'analysing' ? '分析 analysing' : phase, percent),
    })
    const r = outcome.result!
    // a large parcel upload has its analysis refreshed right after the commit: waited for
    // (waitSettled), so that the classifications are materialised when the command returns
    bar.done()
    console.log(`已提交 committed: 新增 inserted ${r.inserted}, 更新 updated ${r.updated}, 未变 unchanged ${r.unchanged}`)
    const left = await database.db.analysis.pendingCount()
    if (left) console.error(`分析待刷新 ${left} 行 / ${left} queued analysis rows were left for the server's timer (the refresh failed here)`)
    return 0
  } finally {
    bar.done()
    await database.close()
  }
}

main().then((code) => process.exit(code), (e) => {
  if (e instanceof UsageError) {
    console.error(`import: ${e.message}\n${USAGE}`)
    process.exit(2)
  }
  // the data folder held by the server, no database, a migration refused, no usable county boundaries: one line
  if (e instanceof DatabaseSetupError || e instanceof MigrationError || e instanceof ReferenceDataError) {
    console.error(`import: ${e.message}`)
    process.exit(1)
  }
  // IngestError and HttpError carry the message for the user; anything else keeps its stack.
  const status = (e as { statusCode?: number }).statusCode
  console.error(status && status < 500 ? `导入失败 import failed: ${(e as Error).message}` : e)
  process.exit(1)
})
