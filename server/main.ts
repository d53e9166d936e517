/** Starts OneMap: settings (the environment over ./.env), database (server or embedded), first-start data, then listens.
 * SIGINT/SIGTERM close the server and the database gracefully. */
import { loadConfig, ConfigError, describeConfigError, environment } from './config'
import { openDatabase, DatabaseSetupError } from './db/connect'
import { MigrationError } from './db/migrate'
import { ReferenceDataError } from './db/reference'
import { bootstrap, DEMO_PASSWORD } from './bootstrap'
import { buildApp } from './app'
import { backupGuard } from './backup/guard'

let source: ReturnType<typeof environment> | null = null

async function main() {
  const started = Date.now()
  source = environment()
  const config = loadConfig(source.env)
  const database = await openDatabase({
    databaseUrl: config.databaseUrl, dataDir: config.dataDir, countyBoundaries: config.countyBoundaries, migrationGuard: backupGuard(config.backup),
    replicas: config.replicas,
  })
  // a database in use was migrated: say on what ground (a recent backup, or the operator's flag)
  if (database.migration.note) console.log(`  ${database.migration.note}`)
  const report = await bootstrap(database.db, config)
  const app = await buildApp({ config, database, logger: { level: config.logLevel } })
  let closing = false
  const shutdown = async (signal: string) => {
    if (closing) return
    closing = true
    app.log.info({ signal }, 'shutting down')
    await app.close()
    await database.close()
    process.exit(0)
  }
  process.on('SIGINT', () => void shutdown('SIGINT'))
  process.on('SIGTERM', () => void shutdown('SIGTERM'))
  await app.listen({ host: config.host, port: config.port })
  // the import CLI, refused the data folder, says where to upload instead
  const address = app.server.address()
  const port = typeof address === 'object' && address ? address.port : config.port
  database.dataLock?.annotate({ url: `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${port}` })
  app.log.info({
    mode: database.mode, postgis: database.postgis, migrations: database.migration.applied,
    loaded: report.loaded, analysis: report.analysis, published: report.published, seconds: (Date.now() - started) / 1000,
  }, 'OneMap ready')
  if (report.adminPassword) console.log(`\n  管理员 admin user: admin / ${report.adminPassword}  (set ONEMAP_ADMIN_PASSWORD to choose it)`)
  for (const [username, password] of Object.entries(report.dutyPasswords)) {
    console.log(`  ${username === 'security' ? '安全管理员 security officer' : '审计管理员 audit officer'}: ${username} / ${password}  (change it at the first sign-in)`)
  }
  if (report.demoUsers.length) console.log(`  演示用户 demo users (password ${DEMO_PASSWORD}): ${report.demoUsers.join(', ')}`)
  if (!config.signIn.totpRequired) {
    console.log('  第二因素 second factor (TOTP): off for admin/security/audit (ONEMAP_TOTP_REQUIRED=false; true by default outside the demo)')
  }
  console.log(`  OneMap 一张图: http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${config.port}/   API docs: /docs\n`)
}

main().catch((e) => {
  // Known start-up failures are one line naming the fix; anything else keeps its stack.
  if (e instanceof ConfigError && source) {
    console.error(`OneMap cannot start: ${describeConfigError(e, source)}`)
  } else if (e instanceof ConfigError || e instanceof DatabaseSetupError || e instanceof MigrationError || e instanceof ReferenceDataError) {
    console.error(`OneMap cannot start: ${e.message}`)
  } else {
    console.error(e)
  }
  process.exit(1)
})
