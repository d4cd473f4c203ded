// The audit page: filters become the query, and "Load more" follows the cursor.

import { createPinia, setActivePinia } from 'pinia'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createApp, nextTick, type App } from 'vue'

import type { AuditEvent } from '@/api/types'
import AuditView from '@/views/AuditView.vue'

import { FakeServer, json, type SeenRequest } from './support/fakeServer'
import { WAIT_MS } from './support/waiting'

let app: App | null = null

function event(id: number): AuditEvent {
  return {
    id,
    at: '2026-12-03T12:00:00Z',
    actor: 'admin',
    role: 'admin',
    address: '127.0.0.1',
    action: 'channel.update',
    target_type: 'channel',
    target_id: '7',
    target_name: `Studio ${id}`,
    changes: { input_url: ['rtsp://u:***@a/x', 'rtsp://u:***@b/x'] },
  }
}

afterEach(() => {
  app?.unmount()
  app = null
  document.body.innerHTML = ''
  vi.unstubAllGlobals()
})

describe('audit page', () => {
  it('shows the first page, then appends the next one by its cursor, with the filters kept', async () => {
    const server = new FakeServer()
      .on('GET /api/v1/audit', (request: SeenRequest) =>
        request.query.get('cursor') === 'c2'
          ? json({ items: [event(1)], next_cursor: null })
          : json({ items: [event(3), event(2)], next_cursor: 'c2' }),
      )
      .install()
    setActivePinia(createPinia())
    const host = document.createElement('div')
    document.body.appendChild(host)
    app = createApp(AuditView)
    app.mount(host)
    await vi.waitFor(() => expect(host.querySelectorAll('tbody tr')).toHaveLength(2), WAIT_MS)

    const actor = host.querySelector<HTMLInputElement>('input[name=actor]')!
    actor.value = 'admin'
    actor.dispatchEvent(new Event('input'))
    await nextTick()
    host.querySelector('form')!.dispatchEvent(new Event('submit'))
    await vi.waitFor(() => expect(server.seen('GET /api/v1/audit')).toHaveLength(2), WAIT_MS)
    expect(server.seen('GET /api/v1/audit')[1]?.query.get('actor')).toBe('admin')

    const loadMore = () => [...host.querySelectorAll('button')].find((b) => b.textContent?.trim() === 'Load more')
    await vi.waitFor(() => expect(loadMore()?.disabled).toBe(false), WAIT_MS)
    loadMore()!.click()
    await vi.waitFor(() => expect(host.querySelectorAll('tbody tr')).toHaveLength(3), WAIT_MS)
    const last = server.seen('GET /api/v1/audit')[2]
    expect(last?.query.get('cursor')).toBe('c2')
    expect(last?.query.get('actor')).toBe('admin')
    expect([...host.querySelectorAll('tbody tr')].map((r) => r.children[4]?.textContent)).toEqual([
      'channel Studio 3',
      'channel Studio 2',
      'channel Studio 1',
    ])
    expect(host.querySelector('tbody tr .changes')?.textContent?.trim()).toBe('input_url: rtsp://u:***@a/x → rtsp://u:***@b/x')
    await nextTick()
    expect(loadMore()).toBeUndefined()
  })
})
