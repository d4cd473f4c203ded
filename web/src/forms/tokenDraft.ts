// The "new API token" form: a name, a role no higher than the creator's, and an expiry.

import type { ApiTokenCreate, Role } from '@/api/types'

const DAY_MS = 86_400_000

/** The expiries offered, in days. */
export const EXPIRY_DAYS = [1, 7, 30, 90, 365] as const
export type ExpiryDays = (typeof EXPIRY_DAYS)[number]

export interface TokenDraft {
  name: string
  role: Role
  expiryDays: ExpiryDays
}

export function emptyTokenDraft(role: Role): TokenDraft {
  return { name: '', role, expiryDays: 30 }
}

/** The request body, the expiry `expiryDays` from `nowMs` as an ISO 8601 UTC instant. */
export function tokenDraftToCreate(draft: TokenDraft, nowMs: number = Date.now()): ApiTokenCreate {
  return {
    name: draft.name.trim(),
    role: draft.role,
    expires_at: new Date(nowMs + draft.expiryDays * DAY_MS).toISOString(),
  }
}
