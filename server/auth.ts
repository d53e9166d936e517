/** Passwords (argon2id, a maintained native library) and bearer tokens (random, stored hashed). */
import crypto from 'node:crypto'
import { hash, verify } from '@node-rs/argon2'

export const hashPassword = (password: string) => hash(password)
export const verifyPassword = (passwordHash: string, password: string) => verify(passwordHash, password).catch(() => false)

export function newToken(): { token: string; tokenHash: string } {
  const token = crypto.randomBytes(32).toString('base64url')
  return { token, tokenHash: hashToken(token) }
}

export const hashToken = (token: string) => crypto.createHash('sha256').update(token).digest('hex')
