import { describe, expect, it } from 'vitest'

import {
  archiveUrl,
  barOf,
  dayView,
  DAY_MS,
  fromLocalInput,
  MIN_VIEW_MS,
  momentAt,
  pan,
  PAST_END_LEAD_MS,
  playableMoment,
  ticks,
  toLocalInput,
  zoom,
  zoomCentre,
} from '@/format/timeline'

const day = dayView(Date.parse('2026-12-03T12:00:00'))

describe('the recordings timeline', () => {
  it('spans one local day from midnight', () => {
    expect(new Date(day.start).getHours()).toBe(0)
    expect(day.end - day.start).toBe(DAY_MS)
  })

  it('draws a range at its place in the view and leaves out one outside it', () => {
    const sixAm = day.start + 6 * 3600_000
    expect(barOf(day, sixAm, sixAm + 6 * 3600_000)).toEqual({ left: 25, width: 25 })
    expect(barOf(day, day.start - 7200_000, day.start - 3600_000)).toBeNull()
    const clipped = barOf(day, day.end - 3600_000, day.end + 3600_000)
    expect(clipped?.left).toBeCloseTo((23 / 24) * 100)
    expect(clipped?.width).toBeCloseTo((1 / 24) * 100)
  })

  it('keeps a short range visible', () => {
    expect(barOf(day, day.start, day.start + 1000)?.width).toBe(0.15)
  })

  it('maps a point of the track to its moment, clamped to the view', () => {
    expect(momentAt(day, 0.5)).toBe(day.start + DAY_MS / 2)
    expect(momentAt(day, -1)).toBe(day.start)
    expect(momentAt(day, 2)).toBe(day.end)
  })

  it('zooms around the centre within the day, down to the narrowest view', () => {
    const noon = day.start + DAY_MS / 2
    expect(zoom(day, 2, noon, day)).toEqual({ start: day.start + DAY_MS / 4, end: day.end - DAY_MS / 4 })
    const nearMidnight = zoom(day, 4, day.start, day)
    expect(nearMidnight.start).toBe(day.start)
    let view = day
    for (let i = 0; i < 20; i += 1) view = zoom(view, 2, noon, day)
    expect(view.end - view.start).toBe(MIN_VIEW_MS)
    expect(zoom(view, 1 / 1000, noon, day)).toEqual(day)
  })

  it('pans by part of the view and stops at the day’s edges', () => {
    const morning = { start: day.start, end: day.start + 6 * 3600_000 }
    expect(pan(morning, 0.5, day).start).toBe(day.start + 3 * 3600_000)
    expect(pan(morning, -1, day)).toEqual(morning)
    expect(pan(morning, 10, day).end).toBe(day.end)
  })

  it('marks round hours on a whole day and minutes on a narrow view', () => {
    expect(ticks(day).map((t) => new Date(t).getMinutes())).toEqual(Array(ticks(day).length).fill(0))
    expect(ticks(day).length).toBeLessThanOrEqual(6)
    const tenMinutes = { start: day.start + 3600_000, end: day.start + 3600_000 + 600_000 }
    expect(ticks(tenMinutes).length).toBeGreaterThan(1)
  })

  it('reads back what it writes into a datetime input', () => {
    const t = Date.parse('2026-12-03T09:08:07')
    expect(toLocalInput(t)).toBe('2026-12-03T09:08:07')
    expect(fromLocalInput(toLocalInput(t))).toBe(t)
    expect(fromLocalInput('')).toBeNull()
    expect(fromLocalInput('not a time')).toBeNull()
  })

  it('puts the archive playlist next to the live one, signed paths included', () => {
    const from = Date.parse('2026-12-03T10:00:00Z')
    const to = Date.parse('2026-12-03T10:00:10Z')
    expect(archiveUrl('/hls/news/index.m3u8', from)).toBe(
      '/hls/news/archive.m3u8?from=2026-12-03T10%3A00%3A00.000Z',
    )
    expect(archiveUrl('/hls/s/1767225600/abc/news/index.m3u8', from, to)).toBe(
      '/hls/s/1767225600/abc/news/archive.m3u8?from=2026-12-03T10%3A00%3A00.000Z&to=2026-12-03T10%3A00%3A10.000Z',
    )
    expect(archiveUrl('https://cdn.example/hls/news/master.m3u8', from)).toMatch(
      /^https:\/\/cdn\.example\/hls\/news\/archive\.m3u8\?from=/,
    )
  })
})

describe('a click on the timeline', () => {
  const ranges = [
    { from: 1000_000, to: 1060_000 },
    { from: 1100_000, to: 1200_000 },
  ]

  it('plays from the moment inside a range, from the next range in a gap', () => {
    expect(playableMoment(ranges, 1030_000)).toBe(1030_000)
    expect(playableMoment(ranges, 1080_000)).toBe(1100_000)
    expect(playableMoment(ranges, 0)).toBe(1000_000)
  })

  it('plays the newest recording when past the last range, and nothing with none', () => {
    expect(playableMoment(ranges, 5000_000)).toBe(1200_000 - PAST_END_LEAD_MS)
    expect(playableMoment([{ from: 10, to: 20 }], 100)).toBe(10)
    expect(playableMoment([], 100)).toBeNull()
  })

  it('zooms around the selection, else the newest recording in view', () => {
    const view = { start: 0, end: 2000_000 }
    expect(zoomCentre(view, ranges, { from: 10, to: 30 })).toBe(20)
    expect(zoomCentre(view, ranges, null)).toBe(1200_000)
    expect(zoomCentre({ start: 0, end: 500_000 }, ranges, null)).toBe(250_000)
  })
})
