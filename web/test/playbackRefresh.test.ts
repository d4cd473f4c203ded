import { describe, expect, it } from 'vitest'

import {
  MIN_REFRESH_DELAY_MS,
  refreshDelayMs,
  schedulePlaybackRefresh,
  signedExpiry,
} from '@/composables/playbackRefresh'

import { ManualClock } from './support/manualClock'

const EXPIRES_S = 1_800_003_600
function clockAt(ms: number): ManualClock {
  const clock = new ManualClock()
  clock.time = ms
  return clock
}

const SIGNED = `http://tv.example/hls/s/${EXPIRES_S}/AbC-_9xyz/news/index.m3u8`

describe('signedExpiry', () => {
  it('reads the expiry of a signed playlist or thumbnail URL, and none of an unsigned one', () => {
    expect(signedExpiry(SIGNED)).toBe(EXPIRES_S)
    expect(signedExpiry(`/thumbs/s/${EXPIRES_S}/tok/news.jpg`)).toBe(EXPIRES_S)
    expect(signedExpiry('http://tv.example/hls/news/index.m3u8')).toBeNull()
    expect(signedExpiry('/hls/s/news/index.m3u8')).toBeNull()
  })
})

describe('refreshDelayMs', () => {
  it('asks a minute before the expiry, or at half the time left when that is shorter', () => {
    const expiresMs = EXPIRES_S * 1000
    expect(refreshDelayMs(EXPIRES_S, expiresMs - 3_600_000)).toBe(3_540_000)
    expect(refreshDelayMs(EXPIRES_S, expiresMs - 30_000)).toBe(15_000)
  })

  it('never asks again sooner than the shortest delay, even past the expiry', () => {
    expect(refreshDelayMs(EXPIRES_S, EXPIRES_S * 1000 - 1_000)).toBe(MIN_REFRESH_DELAY_MS)
    expect(refreshDelayMs(EXPIRES_S, EXPIRES_S * 1000 + 60_000)).toBe(MIN_REFRESH_DELAY_MS)
  })
})

describe('schedulePlaybackRefresh', () => {
  it('refreshes a signed URL once, before it expires', () => {
    const clock = clockAt(EXPIRES_S * 1000 - 3_600_000)
    let refreshed = 0
    schedulePlaybackRefresh(SIGNED, () => (refreshed += 1), clock.now, clock.schedule)
    clock.advance(3_539_999)
    expect(refreshed).toBe(0)
    clock.advance(1)
    expect(refreshed).toBe(1)
    clock.advance(3_600_000)
    expect(refreshed).toBe(1)
  })

  it('does nothing for an unsigned URL, and nothing once cancelled', () => {
    const clock = clockAt(EXPIRES_S * 1000 - 3_600_000)
    let refreshed = 0
    schedulePlaybackRefresh('/hls/news/index.m3u8', () => (refreshed += 1), clock.now, clock.schedule)
    const cancel = schedulePlaybackRefresh(SIGNED, () => (refreshed += 1), clock.now, clock.schedule)
    cancel()
    clock.advance(7_200_000)
    expect(refreshed).toBe(0)
  })
})
