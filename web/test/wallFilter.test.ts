import { describe, expect, it } from 'vitest'

import { filterChannels } from '@/composables/wallFilter'

import { makeChannel } from './support/channels'

const channels = [
  makeChannel({ slug: 'news-hd', name: 'News HD', tags: ['news'], status: 'online' }),
  makeChannel({ slug: 'sport-1', name: 'Sport 1', tags: ['sport'], status: 'offline' }),
  makeChannel({ slug: 'sport-10', name: 'Sport 10', tags: ['sport'], status: 'degraded' }),
  makeChannel({ slug: 'sport-2', name: 'Sport 2', tags: ['sport', 'hd'], status: 'stopped' }),
  makeChannel({ slug: 'movies', name: 'Movies', tags: [], status: 'error' }),
]
const all = { q: '', tag: '', status: '' as const, sort: 'problems' as const }

describe('filterChannels', () => {
  it('puts problems first: error, offline, degraded, then online, then stopped', () => {
    expect(filterChannels(channels, all).map((c) => c.slug)).toEqual([
      'movies',
      'sport-1',
      'sport-10',
      'news-hd',
      'sport-2',
    ])
  })

  it('puts queued channels (waiting for capacity) after starting and before online ones', () => {
    const more = [
      ...channels,
      makeChannel({ slug: 'waiting', name: 'Waiting', tags: [], status: 'queued' }),
      makeChannel({ slug: 'coming', name: 'Coming', tags: [], status: 'starting' }),
    ]
    expect(filterChannels(more, all).map((c) => c.slug)).toEqual([
      'movies',
      'sport-1',
      'sport-10',
      'coming',
      'waiting',
      'news-hd',
      'sport-2',
    ])
    expect(filterChannels(more, { ...all, status: 'queued' }).map((c) => c.slug)).toEqual(['waiting'])
  })

  it('sorts by name with numbers in natural order', () => {
    expect(filterChannels(channels, { ...all, sort: 'name' }).map((c) => c.name)).toEqual([
      'Movies',
      'News HD',
      'Sport 1',
      'Sport 2',
      'Sport 10',
    ])
  })

  it('filters by status, tag and text together', () => {
    expect(filterChannels(channels, { ...all, status: 'offline' }).map((c) => c.slug)).toEqual(['sport-1'])
    expect(filterChannels(channels, { ...all, tag: 'hd' }).map((c) => c.slug)).toEqual(['sport-2'])
    expect(filterChannels(channels, { ...all, q: 'SPORT', tag: 'sport', sort: 'name' }).map((c) => c.slug)).toEqual([
      'sport-1',
      'sport-2',
      'sport-10',
    ])
    expect(filterChannels(channels, { ...all, q: 'news-' }).map((c) => c.slug)).toEqual(['news-hd'])
  })
})
