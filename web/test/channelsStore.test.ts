import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it } from 'vitest'

import type { Envelope } from '@/api/types'
import { useChannelsStore } from '@/stores/channels'

import { makeChannel } from './support/channels'

function snapshot(...channels: ReturnType<typeof makeChannel>[]): Envelope {
  return { type: 'snapshot', channel: null, ts: 100, data: { channels } }
}

describe('channels store', () => {
  beforeEach(() => setActivePinia(createPinia()))

  it('fills itself from a snapshot and counts channels per status', () => {
    const store = useChannelsStore()
    store.applyEnvelopes([
      snapshot(
        makeChannel({ slug: 'a', status: 'online' }),
        makeChannel({ slug: 'b', status: 'online' }),
        makeChannel({ slug: 'c', status: 'offline' }),
        makeChannel({ slug: 'd', status: 'queued' }),
      ),
    ])
    expect(store.loaded).toBe(true)
    expect(store.channels.map((c) => c.slug)).toEqual(['a', 'b', 'c', 'd'])
    expect(store.counts).toMatchObject({ online: 2, offline: 1, degraded: 0, error: 0, queued: 1 })
  })

  it('applies a status delta to the channel and the counts', () => {
    const store = useChannelsStore()
    store.applyEnvelopes([snapshot(makeChannel({ slug: 'a' }))])
    store.applyEnvelopes([
      {
        type: 'status',
        channel: 'a',
        ts: 101,
        data: { status: 'offline', from: 'online', since: '2026-11-24T20:00:00Z', reason: 'no progress', restarts: 1 },
      },
    ])
    const a = store.bySlug('a')
    expect(a?.state.status).toBe('offline')
    expect(a?.state.since).toBe('2026-11-24T20:00:00Z')
    expect(a?.state.reason).toBe('no progress')
    expect(a?.state.restarts).toBe(1)
    expect(store.counts.offline).toBe(1)
    expect(store.counts.online).toBe(0)
  })

  it('applies metrics without recomputing the channel list or the counts', () => {
    const store = useChannelsStore()
    store.applyEnvelopes([snapshot(makeChannel({ slug: 'a' }), makeChannel({ slug: 'b' }))])
    const list = store.channels
    const counts = store.counts
    store.applyEnvelopes([{ type: 'metrics', channel: 'a', ts: 101, data: { fps: 50, bitrate_kbps: 4200 } }])
    expect(store.bySlug('a')?.state.metrics).toEqual({ fps: 50, bitrate_kbps: 4200 })
    expect(store.channels).toBe(list)
    expect(store.counts).toBe(counts)
  })

  it('keeps the same channel object across updates so tiles keep their state', () => {
    const store = useChannelsStore()
    store.applyEnvelopes([snapshot(makeChannel({ id: 7, slug: 'a', name: 'Old' }))])
    const before = store.bySlug('a')
    store.applyEnvelopes([
      { type: 'channel_updated', channel: 'a', ts: 102, data: makeChannel({ id: 7, slug: 'a', name: 'New' }) },
    ])
    expect(store.bySlug('a')).toBe(before)
    expect(before?.name).toBe('New')
  })

  it('follows a channel whose slug was changed', () => {
    const store = useChannelsStore()
    store.applyEnvelopes([snapshot(makeChannel({ id: 7, slug: 'old' }))])
    store.applyEnvelopes([{ type: 'channel_updated', channel: 'new', ts: 102, data: makeChannel({ id: 7, slug: 'new' }) }])
    expect(store.bySlug('old')).toBeNull()
    expect(store.bySlug('new')?.id).toBe(7)
    expect(store.channels).toHaveLength(1)
  })

  it('adds created channels and removes deleted ones', () => {
    const store = useChannelsStore()
    store.applyEnvelopes([snapshot(makeChannel({ id: 1, slug: 'a' }))])
    store.applyEnvelopes([
      { type: 'channel_created', channel: 'b', ts: 103, data: makeChannel({ id: 2, slug: 'b' }) },
      { type: 'channel_deleted', channel: 'a', ts: 104, data: { id: 1 } },
    ])
    expect(store.channels.map((c) => c.slug)).toEqual(['b'])
    expect(store.byId(2)?.slug).toBe('b')
  })

  it('drops channels a later snapshot no longer has', () => {
    const store = useChannelsStore()
    store.applyEnvelopes([snapshot(makeChannel({ slug: 'a' }), makeChannel({ slug: 'b' }))])
    store.applyEnvelopes([snapshot(makeChannel({ slug: 'b' }))])
    expect(store.channels.map((c) => c.slug)).toEqual(['b'])
  })

  it('ignores deltas for channels it does not know', () => {
    const store = useChannelsStore()
    store.applyEnvelopes([snapshot(makeChannel({ slug: 'a' }))])
    store.applyEnvelopes([{ type: 'metrics', channel: 'ghost', ts: 1, data: { fps: 1 } }])
    expect(store.channels).toHaveLength(1)
  })

  it('knows when each recent picture was taken, and not for a picture from the snapshot', () => {
    const store = useChannelsStore()
    store.applyEnvelopes([snapshot(makeChannel({ slug: 'a' }))])
    const fromSnapshot = store.thumbnailOf('a')
    expect(store.pictureTakenAt('a', fromSnapshot)).toBeNull()
    for (const t of [1000, 1010, 1020, 1030]) {
      store.applyEnvelopes([
        { type: 'thumbnail', channel: 'a', ts: t, data: { url: `/thumbs/a.jpg?v=${t}`, taken_at: t } },
      ])
    }
    expect(store.thumbnailOf('a')).toBe('/thumbs/a.jpg?v=1030')
    expect(store.pictureTakenAt('a', '/thumbs/a.jpg?v=1030')).toBe(1030)
    expect(store.pictureTakenAt('a', '/thumbs/a.jpg?v=1020')).toBe(1020) // still on screen
    expect(store.pictureTakenAt('a', '/thumbs/a.jpg?v=1000')).toBeNull() // long gone
  })

  it('changes the visible tiles only when the set differs', () => {
    const store = useChannelsStore()
    store.setVisibleTiles(['b', 'a', 'a'])
    const first = store.visibleTiles
    expect(first).toEqual(['a', 'b'])
    store.setVisibleTiles(['a', 'b'])
    expect(store.visibleTiles).toBe(first)
    store.setVisibleTiles([])
    expect(store.visibleTiles).toEqual([])
  })

  it('swaps the thumbnail URL when a thumbnail envelope arrives', () => {
    const store = useChannelsStore()
    store.applyEnvelopes([snapshot(makeChannel({ slug: 'a' }))])
    expect(store.thumbnailOf('a')).toBe('/thumbs/a.jpg?v=100')
    store.applyEnvelopes([{ type: 'thumbnail', channel: 'a', ts: 110, data: { url: '/thumbs/a.jpg?v=110' } }])
    expect(store.thumbnailOf('a')).toBe('/thumbs/a.jpg?v=110')
  })

  it('shows a content alarm from its start to its end', () => {
    const store = useChannelsStore()
    store.applyEnvelopes([snapshot(makeChannel({ slug: 'a' }))])
    store.applyEnvelopes([{ type: 'content', channel: 'a', ts: 1, data: { check: 'black', state: 'start', at: 'x' } }])
    expect(store.alarmsOf('a')).toEqual(['black'])
    store.applyEnvelopes([{ type: 'content', channel: 'a', ts: 2, data: { check: 'black', state: 'end', at: 'y' } }])
    expect(store.alarmsOf('a')).toEqual([])
  })

  it('keeps a chart history only for the tracked channel', () => {
    const store = useChannelsStore()
    store.applyEnvelopes([snapshot(makeChannel({ slug: 'a' }), makeChannel({ slug: 'b' }))])
    const history = store.trackHistory('a')
    const version = store.historyVersion
    store.applyEnvelopes([
      { type: 'metrics', channel: 'a', ts: 200, data: { fps: 25, bitrate_kbps: 3000 } },
      { type: 'metrics', channel: 'b', ts: 200, data: { fps: 30, bitrate_kbps: 5000 } },
    ])
    expect(history.series()).toEqual([[200], [3000], [25]])
    expect(store.historyVersion).toBe(version + 1)
    store.untrackHistory('a')
    expect(store.history).toBeNull()
  })

  it('starts a chart history from the latest sample the channel had', () => {
    const store = useChannelsStore()
    store.applyEnvelopes([snapshot(makeChannel({ slug: 'a' }))])
    store.applyEnvelopes([{ type: 'metrics', channel: 'a', ts: 300, data: { fps: 24, bitrate_kbps: 900 } }])
    const history = store.trackHistory('a')
    store.applyEnvelopes([{ type: 'metrics', channel: 'a', ts: 301, data: { fps: 25, bitrate_kbps: 1000 } }])
    expect(history.series()).toEqual([
      [300, 301],
      [900, 1000],
      [24, 25],
    ])
  })

  it('clears the shown bitrate and fps when a channel goes offline', () => {
    const store = useChannelsStore()
    store.applyEnvelopes([snapshot(makeChannel({ slug: 'a' }))])
    store.applyEnvelopes([
      { type: 'status', channel: 'a', ts: 1, data: { status: 'offline', from: 'online', since: 'z', reason: '' } },
    ])
    expect(store.bySlug('a')?.state.metrics.fps).toBeNull()
    expect(store.bySlug('a')?.state.metrics.bitrate_kbps).toBeNull()
  })
})
