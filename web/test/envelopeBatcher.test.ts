import { describe, expect, it } from 'vitest'

import type { Envelope } from '@/api/types'
import { EnvelopeBatcher } from '@/composables/envelopeBatcher'

import { makeChannel } from './support/channels'
import { ManualClock } from './support/manualClock'

function metrics(slug: string, fps: number, ts = 1): Envelope {
  return { type: 'metrics', channel: slug, ts, data: { fps, bitrate_kbps: 1000 } }
}

function setup(intervalMs = 250) {
  const clock = new ManualClock()
  const batches: Envelope[][] = []
  const batcher = new EnvelopeBatcher((b) => batches.push(b), intervalMs, clock.schedule)
  return { clock, batches, batcher }
}

describe('EnvelopeBatcher', () => {
  it('delivers a burst of 60 channels of metrics as one batch per interval', () => {
    const { clock, batches, batcher } = setup()
    for (let i = 0; i < 60; i += 1) batcher.push(metrics(`ch-${i}`, 25))
    expect(batches).toHaveLength(0)
    clock.advance(250)
    expect(batches).toHaveLength(1)
    expect(batches[0]).toHaveLength(60)
  })

  it('keeps only the latest metrics of a channel within one batch', () => {
    const { clock, batches, batcher } = setup()
    batcher.push(metrics('a', 24, 1))
    batcher.push(metrics('b', 30, 1))
    batcher.push(metrics('a', 25, 2))
    clock.advance(250)
    expect(batches[0]).toEqual([metrics('a', 25, 2), metrics('b', 30, 1)])
  })

  it('keeps every status change and their order', () => {
    const { clock, batches, batcher } = setup()
    const offline: Envelope = {
      type: 'status',
      channel: 'a',
      ts: 1,
      data: { status: 'offline', from: 'online', since: 'x', reason: 'lost' },
    }
    const online: Envelope = {
      type: 'status',
      channel: 'a',
      ts: 2,
      data: { status: 'online', from: 'offline', since: 'y', reason: 'back' },
    }
    batcher.push(offline)
    batcher.push(online)
    clock.advance(250)
    expect(batches[0]).toEqual([offline, online])
  })

  it('delivers a snapshot at once and drops what was pending before it', () => {
    const { clock, batches, batcher } = setup()
    batcher.push(metrics('a', 25))
    const snapshot: Envelope = { type: 'snapshot', channel: null, ts: 5, data: { channels: [makeChannel()] } }
    batcher.push(snapshot)
    expect(batches).toEqual([[snapshot]])
    clock.advance(1000)
    expect(batches).toHaveLength(1)
  })

  it('starts a new batch after delivering one', () => {
    const { clock, batches, batcher } = setup()
    batcher.push(metrics('a', 25, 1))
    clock.advance(250)
    batcher.push(metrics('a', 26, 2))
    clock.advance(250)
    expect(batches.map((b) => b.length)).toEqual([1, 1])
    expect(batches[1]?.[0]).toEqual(metrics('a', 26, 2))
  })

  it('delivers nothing after being disposed', () => {
    const { clock, batches, batcher } = setup()
    batcher.push(metrics('a', 25))
    batcher.dispose()
    clock.advance(1000)
    expect(batches).toHaveLength(0)
    expect(clock.pending).toBe(0)
  })
})
