// The channel page replaces a signed playback URL before it expires: the player gets the fresh
// one from GET /channels/{id} without a reload.

import { createPinia, setActivePinia } from 'pinia'
import { afterEach, expect, it, vi } from 'vitest'
import { createApp, h, type App } from 'vue'
import { createMemoryHistory, createRouter } from 'vue-router'

import { useChannelsStore } from '@/stores/channels'
import { useSessionStore } from '@/stores/session'
import ChannelView from '@/views/ChannelView.vue'

import { stubCanvas } from './support/canvas'
import { makeChannel } from './support/channels'
import { FakeServer, json } from './support/fakeServer'

const NOW_MS = 1_800_000_000_000
const TTL_S = 120
let app: App | null = null

function signed(expiresS: number): string {
  return `/hls/s/${expiresS}/tok${expiresS}/news/index.m3u8`
}

afterEach(() => {
  app?.unmount()
  app = null
  document.body.innerHTML = ''
  vi.useRealTimers()
  vi.unstubAllGlobals()
})

it('asks for a fresh signed URL a minute before the old one expires', async () => {
  vi.useFakeTimers({ now: NOW_MS, toFake: ['setTimeout', 'clearTimeout', 'Date'] })
  stubCanvas()
  const pinia = createPinia()
  setActivePinia(pinia)
  useSessionStore().user = { id: 1, username: 'vera', role: 'viewer', via: 'session' }
  const first = NOW_MS / 1000 + TTL_S
  const channel = makeChannel({ id: 5, slug: 'news', status: 'stopped' })
  channel.urls = { hls: signed(first), thumbnail: '/thumbs/news.jpg' }
  useChannelsStore().upsert(channel)
  const fresh = { ...channel, urls: { ...channel.urls, hls: signed(first + TTL_S) } }
  const server = new FakeServer()
    .on('GET /api/v1/channels/5', json(channel))
    .on('GET /api/v1/channels/5/events', json({ items: [], total: 0 }))
    .on('GET /api/v1/channels/5/log', json({ lines: [] }))
    .install()
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/', name: 'wall', component: { render: () => null } },
      { path: '/channels/:id/edit', name: 'channel-edit', component: { render: () => null } },
    ],
  })
  await router.push('/')
  await router.isReady()
  const host = document.createElement('div')
  document.body.appendChild(host)
  app = createApp({ render: () => h(ChannelView, { id: 5 }) }).use(pinia).use(router)
  app.mount(host)
  await vi.advanceTimersByTimeAsync(0)
  const loads = server.seen('GET /api/v1/channels/5').length

  server.on('GET /api/v1/channels/5', json(fresh))
  await vi.advanceTimersByTimeAsync((TTL_S - 61) * 1000)
  expect(server.seen('GET /api/v1/channels/5')).toHaveLength(loads)
  await vi.advanceTimersByTimeAsync(2000)
  expect(server.seen('GET /api/v1/channels/5')).toHaveLength(loads + 1)
  expect(useChannelsStore().byId(5)?.urls.hls).toBe(signed(first + TTL_S))
})
