// The router's gate and the 401 redirect: every page but /login needs a session, the page wanted
// is kept in `redirect`, a role too low goes to the wall, and nothing loops.

import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createMemoryHistory, createRouter, type Router } from 'vue-router'

import { listChannels, setUnauthorisedHandler } from '@/api/client'
import { installAuth, safeRedirect } from '@/auth/guard'
import { routes } from '@/router'
import { useSessionStore } from '@/stores/session'

import { FakeServer, json, problem } from './support/fakeServer'
import { WAIT_MS } from './support/waiting'

const ADMIN = { id: 1, username: 'admin', role: 'admin', via: 'session' }
const VIEWER = { id: 2, username: 'val', role: 'viewer', via: 'session' }

let server: FakeServer

function makeRouter(): Router {
  const router = createRouter({ history: createMemoryHistory(), routes })
  installAuth(router, useSessionStore())
  return router
}

/** Where the router is after `path` has been asked for. */
async function landAt(router: Router, path: string): Promise<string> {
  await router.push(path).catch(() => undefined)
  return router.currentRoute.value.fullPath
}

async function settled(router: Router, path: string): Promise<string> {
  // A redirect from the 401 handler is a navigation of its own: wait until the router is idle.
  await vi.waitFor(() => expect(router.currentRoute.value.fullPath).toBe(path), WAIT_MS)
  return router.currentRoute.value.fullPath
}

beforeEach(() => {
  setActivePinia(createPinia())
  server = new FakeServer().install()
})

afterEach(() => {
  vi.unstubAllGlobals()
  setUnauthorisedHandler(null)
})

describe('without a session', () => {
  beforeEach(() => {
    server.on('GET /api/v1/auth/me', problem(401, 'Not authenticated'))
  })

  it('sends every page to the login page, keeping the page wanted', async () => {
    const router = makeRouter()
    expect(await landAt(router, '/channels/7?tab=log')).toBe('/login?redirect=/channels/7?tab=log')
    expect(router.currentRoute.value.query.redirect).toBe('/channels/7?tab=log')
  })

  it('sends the wall to a plain /login', async () => {
    expect(await landAt(makeRouter(), '/')).toBe('/login')
  })

  it('shows the login page itself', async () => {
    expect(await landAt(makeRouter(), '/login?redirect=/alerts')).toBe('/login?redirect=/alerts')
  })
})

describe('with a session', () => {
  it('opens the page asked for', async () => {
    server.on('GET /api/v1/auth/me', json(ADMIN))
    expect(await landAt(makeRouter(), '/users')).toBe('/users')
  })

  it('leaves the login page for the redirect, or the wall', async () => {
    server.on('GET /api/v1/auth/me', json(ADMIN))
    const router = makeRouter()
    expect(await landAt(router, '/login?redirect=/alerts')).toBe('/alerts')
    expect(await landAt(router, '/login')).toBe('/')
  })

  it.each(['/users', '/audit', '/backups', '/channels/new', '/channels/3/edit', '/import'])(
    'sends a viewer from %s to the wall',
    async (path) => {
      server.on('GET /api/v1/auth/me', json(VIEWER))
      expect(await landAt(makeRouter(), path)).toBe('/')
    },
  )

  it.each(['/', '/alerts', '/targets', '/tokens', '/channels/3'])('lets a viewer read %s', async (path) => {
    server.on('GET /api/v1/auth/me', json(VIEWER))
    expect(await landAt(makeRouter(), path)).toBe(path)
  })
})

describe('a 401 from the API', () => {
  it('forgets the session and goes to the login page with the current page as redirect', async () => {
    server.on('GET /api/v1/auth/me', json(ADMIN))
    const router = makeRouter()
    await landAt(router, '/alerts?tab=resolved')
    server.on('GET /api/v1/channels', problem(401, 'Session expired'))
    server.on('GET /api/v1/auth/me', problem(401, 'Not authenticated'))
    await expect(listChannels()).rejects.toMatchObject({ status: 401 })
    await settled(router, '/login?redirect=/alerts?tab=resolved')
    expect(useSessionStore().user).toBeNull()
  })

  it('on the login page already, stays there (no loop)', async () => {
    server.on('GET /api/v1/auth/me', problem(401, 'Not authenticated'))
    const router = makeRouter()
    await landAt(router, '/login?redirect=/targets')
    server.on('GET /api/v1/channels', problem(401, 'Not authenticated'))
    await expect(listChannels()).rejects.toMatchObject({ status: 401 })
    await expect(listChannels()).rejects.toMatchObject({ status: 401 })
    expect(router.currentRoute.value.fullPath).toBe('/login?redirect=/targets')
    expect(server.seen('GET /api/v1/auth/me')).toHaveLength(1)
  })
})

describe('safeRedirect', () => {
  it.each([
    ['/channels/3', '/channels/3'],
    ['/alerts?tab=resolved', '/alerts?tab=resolved'],
    ['//evil.example/x', '/'],
    ['/\\evil.example', '/'],
    ['https://evil.example/', '/'],
    ['/login', '/'],
    ['/login?redirect=/login', '/'],
    ['', '/'],
    [undefined, '/'],
    [['/a', '/b'], '/'],
  ])('%j -> %s', (value, expected) => {
    expect(safeRedirect(value)).toBe(expected)
  })
})
