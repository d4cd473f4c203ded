// A viewer sees no edit control at all (not a disabled one): the channel page, the targets page,
// the alerts table and the header, mounted as each role against a fake server.

import { createPinia, setActivePinia } from 'pinia'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createApp, h, type App, type Component } from 'vue'
import { createMemoryHistory, createRouter } from 'vue-router'

import type { Alert, Me, Role, Target } from '@/api/types'
import AlertTable from '@/components/alerts/AlertTable.vue'
import AppHeader from '@/components/layout/AppHeader.vue'
import { useChannelsStore } from '@/stores/channels'
import { useSessionStore } from '@/stores/session'
import ChannelView from '@/views/ChannelView.vue'
import TargetsView from '@/views/TargetsView.vue'
import WorkersView from '@/views/WorkersView.vue'

import { makeChannel } from './support/channels'
import { stubCanvas } from './support/canvas'
import { FakeServer, json } from './support/fakeServer'
import { WAIT_MS } from './support/waiting'

const STREAM_KEY = 'srt://0.0.0.0:9000?passphrase=planted-secret-123'
/** How every channel answer shows it; the full value comes from GET /channels/{id}/source. */
const MASKED_KEY = 'srt://0.0.0.0:9000?passphrase=***'
let server: FakeServer | null = null

let app: App | null = null

function user(role: Role): Me {
  return { id: 1, username: `a-${role}`, role, via: 'session' }
}

/** Mount `component` as a user of `role`; the server answers what the page asks. */
async function mountAs(role: Role, component: Component, props: Record<string, unknown> = {}): Promise<HTMLElement> {
  stubCanvas()
  const pinia = createPinia()
  setActivePinia(pinia)
  useSessionStore().user = user(role)
  const channel = makeChannel({ id: 5, slug: 'news', status: 'stopped', publish_url: MASKED_KEY })
  useChannelsStore().upsert(channel)
  const target: Target = {
    id: 1,
    name: 'ops hook',
    kind: 'webhook',
    url: 'https://hooks.example/x',
    enabled: true,
    filters: { tags: [], severities: [], on_open: true, on_resolve: true },
    secret: null,
    secret_hint: '…ab',
    created_at: '2026-11-24T19:00:00Z',
    updated_at: '2026-11-24T19:00:00Z',
  } as Target
  server = new FakeServer()
    .on('GET /api/v1/channels/5', json(channel))
    .on('GET /api/v1/channels/5/source', json({ input_url: 'srt://x', backup_url: null, passphrase: 'planted-secret-123', publish_url: STREAM_KEY }))
    .on('GET /api/v1/channels/5/events', json({ items: [], total: 0 }))
    .on('GET /api/v1/channels/5/log', json({ lines: [] }))
    .on('GET /api/v1/targets', json({ items: [target], total: 1 }))
    .on(
      'GET /api/v1/workers',
      json({
        items: [
          { id: 'w1', host: 'box', version: '1', labels: {}, capacity: 4, channel_count: 0, channels: [], load: 0, heartbeat_age_s: 0.5, live: true, draining: false, drain_state: 'none' },
          { id: 'w2', host: 'box', version: '1', labels: {}, capacity: 4, channel_count: 0, channels: [], load: 0, heartbeat_age_s: 0.5, live: true, draining: true, drain_state: 'drained' },
        ],
      }),
    )
    .on('GET /api/v1/outbox', json({ items: [{ id: 1, target: 'ops hook', title: 't', state: 'failed', attempts: 3, last_error: 'x', created_at: '2026-11-24T19:00:00Z' }], total: 1 }))
    .install()
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/', name: 'wall', component: { render: () => null } },
      { path: '/channels/:id', name: 'channel', component: { render: () => null } },
      { path: '/channels/:id/edit', name: 'channel-edit', component: { render: () => null } },
    ],
  })
  await router.push('/')
  await router.isReady()
  const host = document.createElement('div')
  document.body.appendChild(host)
  app = createApp({ render: () => h(component, props) }).use(pinia).use(router)
  app.mount(host)
  // Let the page's first requests answer and render.
  await vi.waitFor(() => expect(host.textContent).not.toContain('Loading'), WAIT_MS)
  await new Promise((resolve) => setTimeout(resolve, 0))
  return host
}

function buttonTexts(host: HTMLElement): string[] {
  return [...host.querySelectorAll('button, a.button')].map((b) => (b.textContent ?? '').trim())
}

afterEach(() => {
  app?.unmount()
  app = null
  document.body.innerHTML = ''
  vi.unstubAllGlobals()
  vi.restoreAllMocks()
})

describe('channel page', () => {
  it('shows a viewer no start/stop/restart/edit control and no publish URL', async () => {
    const host = await mountAs('viewer', ChannelView, { id: 5 })
    await vi.waitFor(() => expect(host.querySelector('h1')?.textContent).toBe('Channel 5'), WAIT_MS)
    const texts = buttonTexts(host).join(' | ')
    for (const word of ['Start', 'Stop', 'Restart', 'Edit', 'Delete', 'Copy']) expect(texts).not.toContain(word)
    expect(host.querySelector('[aria-label="Channel actions"]')).toBeNull()
    expect(host.innerHTML).not.toContain('planted-secret-123')
    expect(server?.seen('GET /api/v1/channels/5/source')).toHaveLength(0)
  })

  it('shows an operator the controls and the publish URL', async () => {
    const host = await mountAs('operator', ChannelView, { id: 5 })
    await vi.waitFor(() => expect(host.querySelector('input[aria-label="Publish URL"]')).not.toBeNull(), WAIT_MS)
    expect(host.querySelector<HTMLInputElement>('input[aria-label="Publish URL"]')?.value).toBe(STREAM_KEY)
    const texts = buttonTexts(host).join(' | ')
    for (const word of ['Start', 'Stop', 'Restart', 'Edit']) expect(texts).toContain(word)
  })
})

describe('targets page', () => {
  it('shows a viewer the targets without add, edit, test, delete or retry', async () => {
    const host = await mountAs('viewer', TargetsView)
    await vi.waitFor(() => expect(host.textContent).toContain('ops hook'), WAIT_MS)
    expect(buttonTexts(host)).toEqual([])
  })

  it('shows an operator every control', async () => {
    const host = await mountAs('operator', TargetsView)
    await vi.waitFor(() => expect(host.textContent).toContain('ops hook'), WAIT_MS)
    expect(buttonTexts(host)).toEqual(expect.arrayContaining(['+ Add target', 'Edit', 'Send test', 'Delete', 'Retry']))
  })
})

describe('workers page', () => {
  it('shows a viewer the workers without a Drain button', async () => {
    const host = await mountAs('viewer', WorkersView)
    await vi.waitFor(() => expect(host.textContent).toContain('w2'), WAIT_MS)
    expect(buttonTexts(host)).toEqual(['Refresh'])
  })

  it('shows an operator Drain, disabled for a worker already draining', async () => {
    const host = await mountAs('operator', WorkersView)
    await vi.waitFor(() => expect(host.textContent).toContain('w2'), WAIT_MS)
    const drains = [...host.querySelectorAll<HTMLButtonElement>('tr[data-worker] button')]
    expect(drains.map((b) => [b.textContent?.trim(), b.disabled])).toEqual([
      ['Drain', false],
      ['Draining', true],
    ])
  })
})

describe('alerts table', () => {
  const alert = {
    id: 1,
    rule: 'offline',
    severity: 'critical',
    state: 'open',
    channel: 'news',
    channel_id: 5,
    summary: 'news is offline',
    started_at: '2026-11-24T19:00:00Z',
    ended_at: null,
    duration_s: null,
    acknowledged_at: null,
    acknowledged_by: null,
  } as unknown as Alert

  it.each([
    ['viewer', false, 0],
    ['operator', true, 1],
  ] as const)('as %s (canAcknowledge %s) has %i acknowledge buttons', async (role, can, count) => {
    const host = await mountAs(role, AlertTable, { alerts: [alert], busyId: null, caption: 'open', canAcknowledge: can })
    expect(host.querySelectorAll('button')).toHaveLength(count)
  })
})

describe('header', () => {
  const counts = { stopped: 0, queued: 0, starting: 0, online: 1, degraded: 0, offline: 0, error: 0 }

  it.each([
    ['viewer', ['Wall', 'Alerts', 'Targets', 'Workers', 'Tokens']],
    ['operator', ['Wall', 'Alerts', 'Targets', 'Workers', 'Tokens', 'Import', '+ Channel']],
    ['admin', ['Wall', 'Alerts', 'Targets', 'Workers', 'Backups', 'Users', 'Tokens', 'Audit', 'Import', '+ Channel']],
  ] as const)('shows a %s the nav items %j, the username, role and a logout button', async (role, items) => {
    const host = await mountAs(role, AppHeader, {
      counts,
      activeStatus: null,
      connection: 'connected',
      retryAt: null,
      openAlerts: 0,
      user: user(role),
    })
    const nav = [...host.querySelectorAll('nav[aria-label="Main"] a')].map((a) => (a.textContent ?? '').trim())
    expect(nav).toEqual(items)
    expect(host.querySelector('[data-user] .username')?.textContent).toBe(`a-${role}`)
    expect(host.querySelector('[data-user] .role')?.textContent).toBe(role)
    expect(buttonTexts(host)).toContain('Log out')
  })
})
