// The wall re-renders only the tiles whose channel changed (60 channels x 1 metrics message a
// second must not redraw the whole wall).

import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createApp, nextTick, type App, type ComponentPublicInstance } from 'vue'
import { createMemoryHistory, createRouter } from 'vue-router'

import type { Envelope } from '@/api/types'
import { useChannelsStore } from '@/stores/channels'
import WallView from '@/views/WallView.vue'

import { makeChannel } from './support/channels'

/** Components that re-rendered, by name, and the tiles (slugs) they belong to. */
const updates = new Map<string, number>()
const updatedTiles = new Set<string>()
let app: App | null = null

function updatesOf(name: string): number {
  return updates.get(name) ?? 0
}

async function mountWall(channelCount: number) {
  const pinia = createPinia()
  setActivePinia(pinia)
  const store = useChannelsStore()
  store.applyEnvelopes([
    {
      type: 'snapshot',
      channel: null,
      ts: 1,
      data: { channels: Array.from({ length: channelCount }, (_, i) => makeChannel({ id: i + 1, slug: `ch-${i + 1}` })) },
    },
  ])
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/', name: 'wall', component: WallView },
      { path: '/channels/:id', name: 'channel', component: { render: () => null } },
    ],
  })
  await router.push('/')
  await router.isReady()
  const host = document.createElement('div')
  document.body.appendChild(host)
  app = createApp(WallView).use(pinia).use(router)
  app.mixin({
    updated(this: ComponentPublicInstance) {
      const name = (this.$options as { __name?: string }).__name ?? this.$options.name ?? '?'
      updates.set(name, updatesOf(name) + 1)
      const el = this.$el as Element | null
      const tile = el instanceof Element ? el.closest('[data-slug]') : null
      if (tile) updatedTiles.add(tile.getAttribute('data-slug') ?? '')
    },
  })
  app.mount(host)
  await nextTick()
  updates.clear()
  updatedTiles.clear()
  return { store, host }
}

function metrics(slug: string, fps: number): Envelope {
  return { type: 'metrics', channel: slug, ts: 2, data: { fps, bitrate_kbps: 2000 } }
}

describe('wall rendering', () => {
  beforeEach(() => {
    updates.clear()
    updatedTiles.clear()
  })
  afterEach(() => {
    app?.unmount()
    app = null
    document.body.innerHTML = ''
  })

  it('shows one tile per channel', async () => {
    const { host } = await mountWall(60)
    expect(host.querySelectorAll('a.tile')).toHaveLength(60)
  })

  it('re-renders only the tile whose metrics changed', async () => {
    const { store, host } = await mountWall(60)
    store.applyEnvelopes([metrics('ch-7', 50)])
    await nextTick()
    expect([...updatedTiles]).toEqual(['ch-7'])
    expect(updatesOf('WallView')).toBe(0)
    expect(host.querySelector('[data-slug="ch-7"] .fps')?.textContent).toBe('50 fps')
  })

  it('applies a batch of metrics for every channel without re-rendering the wall itself', async () => {
    const { store } = await mountWall(60)
    store.applyEnvelopes(Array.from({ length: 60 }, (_, i) => metrics(`ch-${i + 1}`, 30)))
    await nextTick()
    expect(updatedTiles.size).toBe(60)
    expect(updatesOf('WallView')).toBe(0)
  })

  it('re-orders the wall on a status change without re-rendering the other tiles', async () => {
    const { store, host } = await mountWall(60)
    store.applyEnvelopes([
      {
        type: 'status',
        channel: 'ch-42',
        ts: 3,
        data: { status: 'offline', from: 'online', since: '2026-11-24T20:00:00Z', reason: 'no progress' },
      },
    ])
    await nextTick()
    expect(host.querySelector('a.tile')?.getAttribute('data-slug')).toBe('ch-42')
    expect(host.querySelector('a.tile')?.getAttribute('data-status')).toBe('offline')
    expect([...updatedTiles]).toEqual(['ch-42'])
  })
})
