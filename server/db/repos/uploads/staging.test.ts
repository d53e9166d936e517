/** The staging tables keep no foreign key to upload (migration 1020: it checked each of 100 000
 * rows on its own); what the key's ON DELETE CASCADE did is kept: deleting uploads, in one
 * statement or several, deletes their staged features and issues and nothing else. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDatabase, type TestDatabase } from '../../../test/db'

let database: TestDatabase

beforeAll(async () => {
  database = await createTestDatabase()
})
afterAll(async () => database.drop())

async function stagedUpload(name: string, features: number): Promise<string> {
  const db = database.db
  const id = await db.uploads.create({ layer: 'parcels', fileName: name, sha256: 'a'.repeat(64), sizeBytes: 1, options: {}, createdBy: 'test', scope: null })
  await db.none(`INSERT INTO upload_feature (upload_id, idx, source, source_index, values, raw)
                 SELECT $1::uuid, i, 'test', i, '{}', '{}' FROM generate_series(0, $2 - 1) i`, [id, features])
  await db.none(`INSERT INTO upload_issue (upload_id, idx, level, code, message)
                 SELECT $1::uuid, i, 'warning', 'outside_cluster', 'test' FROM generate_series(0, $2 - 1) i`, [id, features])
  return id
}

const counts = (id: string) => database.db.one(
  `SELECT (SELECT count(*) FROM upload_feature WHERE upload_id = $1::uuid)::int AS features,
          (SELECT count(*) FROM upload_issue WHERE upload_id = $1::uuid)::int AS issues`, [id])

describe('staging without foreign keys', () => {
  it('has no foreign key on the staging tables', async () => {
    const keys = await database.db.any(`SELECT conname FROM pg_constraint
      WHERE contype = 'f' AND conrelid IN ('upload_feature'::regclass, 'upload_issue'::regclass)`)
    expect(keys).toEqual([])
  })

  it('deleting uploads deletes their staging, and only theirs', async () => {
    const a = await stagedUpload('a.zip', 3)
    const b = await stagedUpload('b.zip', 2)
    const c = await stagedUpload('c.zip', 4)
    expect(await counts(a)).toEqual({ features: 3, issues: 3 })
    await database.db.none('DELETE FROM upload WHERE id = $1::uuid', [a])
    expect(await counts(a)).toEqual({ features: 0, issues: 0 })
    expect(await counts(b)).toEqual({ features: 2, issues: 2 })
    await database.db.none('DELETE FROM upload WHERE id IN ($1::uuid, $2::uuid)', [b, c])
    expect(await counts(b)).toEqual({ features: 0, issues: 0 })
    expect(await counts(c)).toEqual({ features: 0, issues: 0 })
  })
})
