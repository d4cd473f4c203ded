// The audit page's filters as typed, and the `GET /api/v1/audit` query they make.

import type { AuditQuery } from '@/api/types'

export interface AuditFilters {
  actor: string
  action: string
  target_type: string
  /** `<input type="datetime-local">` values: local time, no zone. */
  since: string
  until: string
}

export function emptyAuditFilters(): AuditFilters {
  return { actor: '', action: '', target_type: '', since: '', until: '' }
}

/** A datetime-local value as an ISO 8601 UTC instant, or undefined when empty or invalid. */
export function localToIso(value: string): string | undefined {
  if (!value.trim()) return undefined
  const at = new Date(value)
  return Number.isNaN(at.getTime()) ? undefined : at.toISOString()
}

/** The query for one page: blank filters left out, the cursor when paging on. */
export function auditQuery(filters: AuditFilters, limit: number, cursor?: string | null): AuditQuery {
  const query: AuditQuery = { limit }
  for (const key of ['actor', 'action', 'target_type'] as const) {
    const value = filters[key].trim()
    if (value) query[key] = value
  }
  const since = localToIso(filters.since)
  const until = localToIso(filters.until)
  if (since) query.since = since
  if (until) query.until = until
  if (cursor) query.cursor = cursor
  return query
}
