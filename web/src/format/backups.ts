// How the backups page words a backup and the schedule (pure, tested in test/backups.test.ts).

import type { BackupItem, BackupSchedule } from '@/api/types'

/** A byte count as people read it: `812 B`, `1.6 MB`, `2.1 GB`. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '–'
  const units = ['B', 'kB', 'MB', 'GB', 'TB']
  let value = bytes
  let unit = 0
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000
    unit += 1
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(value >= 100 ? 0 : 1)} ${units[unit]}`
}

export type BackupState = 'done' | 'running or abandoned' | 'unreadable'

export function backupState(item: BackupItem): BackupState {
  if (!item.finished) return 'running or abandoned'
  return item.problem ? 'unreadable' : 'done'
}

/** One line for the schedule: off, running, failed (with the error) or last good run. */
export function scheduleSummary(schedule: BackupSchedule): string {
  if (!schedule.enabled) return 'No backups are scheduled in this process.'
  if (schedule.running_since) return 'A backup is running.'
  const last = schedule.last
  if (last && !last.ok) return `The last backup failed: ${last.error} (retried soon).`
  if (schedule.last_success) return 'The last backup succeeded.'
  return 'No scheduled backup has run since the server started.'
}
