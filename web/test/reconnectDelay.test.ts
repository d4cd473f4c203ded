import { describe, expect, it } from 'vitest'

import { DEFAULT_BACKOFF, reconnectDelayMs } from '@/composables/reconnectDelay'

const policy = { baseMs: 1000, capMs: 30_000, jitter: 0.5 }

describe('reconnectDelayMs', () => {
  it('waits the full base delay on the first retry when the random draw is at its top', () => {
    expect(reconnectDelayMs(0, () => 0.999_999, policy)).toBe(1000)
  })

  it('waits half the ceiling when the random draw is zero with half jitter', () => {
    expect(reconnectDelayMs(0, () => 0, policy)).toBe(500)
    expect(reconnectDelayMs(3, () => 0, policy)).toBe(4000)
  })

  it('doubles the ceiling with every attempt', () => {
    const top = () => 0.999_999_9
    expect([0, 1, 2, 3, 4].map((a) => reconnectDelayMs(a, top, policy))).toEqual([1000, 2000, 4000, 8000, 16000])
  })

  it('never waits longer than the cap however many attempts failed', () => {
    for (const attempt of [5, 6, 10, 50, 1000]) {
      expect(reconnectDelayMs(attempt, () => 0.999_999_9, policy)).toBeLessThanOrEqual(30_000)
      expect(reconnectDelayMs(attempt, () => 0, policy)).toBe(15_000)
    }
  })

  it('stays inside [ceiling * (1 - jitter), ceiling] for every random draw', () => {
    for (let attempt = 0; attempt < 8; attempt += 1) {
      const ceiling = Math.min(30_000, 1000 * 2 ** attempt)
      for (const r of [0, 0.1, 0.25, 0.5, 0.75, 0.99]) {
        const d = reconnectDelayMs(attempt, () => r, policy)
        expect(d).toBeGreaterThanOrEqual(ceiling / 2)
        expect(d).toBeLessThanOrEqual(ceiling)
      }
    }
  })

  it('spreads the retries of many dashboards instead of sending them at the same instant', () => {
    let seed = 42
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31
      return seed / 2 ** 31
    }
    const delays = new Set(Array.from({ length: 50 }, () => reconnectDelayMs(4, random, policy)))
    expect(delays.size).toBeGreaterThan(40)
  })

  it('treats a negative or fractional attempt as the nearest sensible one', () => {
    expect(reconnectDelayMs(-3, () => 0, policy)).toBe(500)
    expect(reconnectDelayMs(1.7, () => 0, policy)).toBe(1000)
  })

  it('uses one second growing to thirty seconds by default', () => {
    expect(DEFAULT_BACKOFF).toEqual({ baseMs: 1000, capMs: 30_000, jitter: 0.5 })
  })
})
