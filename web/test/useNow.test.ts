import { afterEach, describe, expect, it, vi } from 'vitest'
import { effectScope } from 'vue'

import { nowUsers, useNow } from '@/composables/useNow'

describe('useNow', () => {
  afterEach(() => vi.useRealTimers())

  it('runs one timer for any number of users and stops it when the last one leaves', () => {
    vi.useFakeTimers()
    const scopes = Array.from({ length: 60 }, () => effectScope())
    const clocks = scopes.map((s) => s.run(() => useNow())!)
    expect(nowUsers()).toBe(60)
    expect(vi.getTimerCount()).toBe(1)
    const before = clocks[0]!.value
    vi.advanceTimersByTime(1000)
    expect(clocks[0]!.value).toBeGreaterThan(before)
    expect(clocks[59]!.value).toBe(clocks[0]!.value)
    for (const s of scopes) s.stop()
    expect(nowUsers()).toBe(0)
    expect(vi.getTimerCount()).toBe(0)
  })
})
