// The token and audit forms turn what was typed into the API's request.

import { describe, expect, it } from 'vitest'

import { auditQuery, emptyAuditFilters, localToIso } from '@/forms/auditFilters'
import { emptyTokenDraft, tokenDraftToCreate } from '@/forms/tokenDraft'

describe('token form', () => {
  it('sends the trimmed name, the role and the expiry as a UTC instant that many days on', () => {
    const now = Date.parse('2026-12-03T12:00:00Z')
    const draft = { ...emptyTokenDraft('operator'), name: '  ci deploy ', expiryDays: 7 as const }
    expect(tokenDraftToCreate(draft, now)).toEqual({
      name: 'ci deploy',
      role: 'operator',
      expires_at: '2026-12-10T12:00:00.000Z',
    })
  })
})

describe('audit filters', () => {
  it('leaves blank filters out and sends the cursor when paging on', () => {
    expect(auditQuery(emptyAuditFilters(), 50)).toEqual({ limit: 50 })
    const filters = { ...emptyAuditFilters(), actor: ' admin ', target_type: 'channel' }
    expect(auditQuery(filters, 50, 'abc')).toEqual({ limit: 50, actor: 'admin', target_type: 'channel', cursor: 'abc' })
  })

  it('turns local date-times into instants and drops invalid ones', () => {
    const iso = localToIso('2026-12-03T10:30')
    expect(iso).toBe(new Date(2026, 11, 3, 10, 30).toISOString())
    expect(localToIso('')).toBeUndefined()
    expect(localToIso('not a date')).toBeUndefined()
    expect(auditQuery({ ...emptyAuditFilters(), since: '2026-12-03T10:30', until: 'x' }, 10)).toEqual({ limit: 10, since: iso })
  })
})
