import { describe, expect, it } from 'vitest'

import type { BackupItem, BackupSchedule } from '@/api/types'
import { backupState, formatBytes, scheduleSummary } from '@/format/backups'

const schedule: BackupSchedule = {
  enabled: true,
  interval_s: 3600,
  running_since: null,
  last: null,
  last_success: null,
  failures: 0,
}

const item: BackupItem = {
  name: 'streamfleet-20260101T000000Z',
  taken_at: '2026-01-01T00:00:00Z',
  location: 's3://fleet/streamfleet/backups/streamfleet-20260101T000000Z',
  finished: true,
  bytes: 1_582_156,
  rows: 101_000,
  encrypted: false,
  schema_revision: '0002',
  problem: '',
}

describe('backups page wording', () => {
  it('writes byte counts in decimal units', () => {
    expect(formatBytes(812)).toBe('812 B')
    expect(formatBytes(1_582_156)).toBe('1.6 MB')
    expect(formatBytes(250_000_000)).toBe('250 MB')
    expect(formatBytes(-1)).toBe('–')
  })

  it('tells a finished, an unfinished and an unreadable backup apart', () => {
    expect(backupState(item)).toBe('done')
    expect(backupState({ ...item, finished: false })).toBe('running or abandoned')
    expect(backupState({ ...item, problem: 'manifest.json: not JSON' })).toBe('unreadable')
  })

  it('says what the schedule is doing, the failure first', () => {
    expect(scheduleSummary({ ...schedule, enabled: false })).toBe('No backups are scheduled in this process.')
    expect(scheduleSummary(schedule)).toBe('No scheduled backup has run since the server started.')
    expect(scheduleSummary({ ...schedule, running_since: '2026-01-01T00:00:00Z' })).toBe('A backup is running.')
    const failed = { at: '2026-01-01T00:00:00Z', ok: false, seconds: 1, bytes: 0, error: 'database not reachable' }
    expect(scheduleSummary({ ...schedule, last: failed })).toBe(
      'The last backup failed: database not reachable (retried soon).',
    )
    const good = { ...failed, ok: true, error: '' }
    expect(scheduleSummary({ ...schedule, last: good, last_success: good })).toBe('The last backup succeeded.')
  })
})
