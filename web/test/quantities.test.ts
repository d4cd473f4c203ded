import { describe, expect, it } from 'vitest'

import { formatBitrate, formatDuration, formatFps, secondsSince } from '@/format/quantities'

describe('quantities', () => {
  it('writes bitrates in kb/s below 1 Mb/s and in Mb/s above', () => {
    expect(formatBitrate(812.4)).toBe('812 kb/s')
    expect(formatBitrate(3456)).toBe('3.5 Mb/s')
    expect(formatBitrate(12_500)).toBe('13 Mb/s')
    expect(formatBitrate(null)).toBe('– kb/s')
  })

  it('writes frame rates with at most one decimal', () => {
    expect(formatFps(25)).toBe('25 fps')
    expect(formatFps(29.97)).toBe('30 fps')
    expect(formatFps(23.976)).toBe('24 fps')
    expect(formatFps(undefined)).toBe('– fps')
  })

  it('writes durations compactly', () => {
    expect(formatDuration(42.9)).toBe('42s')
    expect(formatDuration(185)).toBe('3m 05s')
    expect(formatDuration(2 * 3600 + 4 * 60)).toBe('2h 04m')
    expect(formatDuration(3 * 86400 + 2 * 3600)).toBe('3d 2h')
    expect(formatDuration(-5)).toBe('0s')
  })

  it('measures the time since an ISO instant', () => {
    expect(secondsSince('2026-11-24T19:00:00Z', Date.parse('2026-11-24T19:01:30Z'))).toBe(90)
    expect(secondsSince('nonsense', 0)).toBeNull()
    expect(secondsSince(null, 0)).toBeNull()
  })
})
