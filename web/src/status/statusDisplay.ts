// How each channel status is shown: words, a shape (so status never depends on colour alone),
// and the order of "problems first".

import type { Status } from '@/api/types'

export interface StatusLook {
  label: string
  /** A glyph whose shape differs per status. */
  shape: string
  /** Lower sorts first in "problems first". */
  rank: number
}

export const STATUS_LOOK: Record<Status, StatusLook> = {
  error: { label: 'error', shape: '✖', rank: 0 },
  offline: { label: 'offline', shape: '■', rank: 1 },
  degraded: { label: 'degraded', shape: '▲', rank: 2 },
  starting: { label: 'starting', shape: '◐', rank: 3 },
  queued: { label: 'queued', shape: '◌', rank: 4 },
  online: { label: 'online', shape: '●', rank: 5 },
  stopped: { label: 'stopped', shape: '○', rank: 6 },
}

/** The order of the header counts: the usual state first, then problems, then the rest. */
export const COUNT_ORDER: readonly Status[] = ['online', 'offline', 'degraded', 'error', 'starting', 'queued', 'stopped']

export function statusRank(status: Status): number {
  return STATUS_LOOK[status]?.rank ?? 9
}
