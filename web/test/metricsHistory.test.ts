import { describe, expect, it } from 'vitest'

import { MetricsHistory } from '@/stores/metricsHistory'

describe('MetricsHistory', () => {
  it('returns samples oldest first as aligned time, bitrate and fps arrays', () => {
    const h = new MetricsHistory(10)
    h.push(1, 1000, 25)
    h.push(2, 1100, null)
    expect(h.series()).toEqual([
      [1, 2],
      [1000, 1100],
      [25, null],
    ])
  })

  it('forgets the oldest samples once it is full', () => {
    const h = new MetricsHistory(3)
    for (let t = 1; t <= 5; t += 1) h.push(t, t * 10, t)
    expect(h.length).toBe(3)
    expect(h.series()[0]).toEqual([3, 4, 5])
    expect(h.series()[1]).toEqual([30, 40, 50])
  })

  it('gives only the samples inside the asked window', () => {
    const h = new MetricsHistory(100)
    for (let t = 0; t < 400; t += 10) h.push(t, 1, 1)
    expect(h.series(390 - 300)[0][0]).toBe(90)
  })

  it('ignores a sample older than the newest one', () => {
    const h = new MetricsHistory(10)
    h.push(10, 1, 1)
    h.push(5, 2, 2)
    expect(h.series()[0]).toEqual([10])
  })

  it('keeps 300 one-second samples (five minutes) without growing past its capacity', () => {
    const h = new MetricsHistory(600)
    for (let t = 0; t < 5000; t += 1) h.push(t, 3000, 25)
    expect(h.length).toBe(600)
    expect(h.series(4999 - 300)[0]).toHaveLength(301)
  })
})
