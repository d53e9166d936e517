/** Who the writes of a transaction are by: read by the event-log trigger (一地一档). */
import type { ITask } from 'pg-promise'

export async function setActor(t: ITask<unknown>, actor: string, note?: string): Promise<void> {
  await t.one("SELECT set_config('onemap.actor', $1, true), set_config('onemap.note', $2, true)", [actor, note ?? ''])
}

export const userActor = (user: { username: string }) => `user:${user.username}`
