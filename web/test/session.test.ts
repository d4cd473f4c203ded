// The session store: who is logged in, asked once; login, logout, and the role checks.

import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'

import { ApiError } from '@/api/problem'
import { useSessionStore } from '@/stores/session'

import { FakeServer, json, problem } from './support/fakeServer'

describe('session store', () => {
  let server: FakeServer

  beforeEach(() => {
    setActivePinia(createPinia())
    server = new FakeServer().install()
  })

  afterEach(() => vi.unstubAllGlobals())

  it('asks the server who is logged in once, however many callers wait', async () => {
    server.on('GET /api/v1/auth/me', json({ id: 1, username: 'admin', role: 'admin', via: 'session' }))
    const session = useSessionStore()
    const [a, b] = await Promise.all([session.ensureLoaded(), session.ensureLoaded()])
    await session.ensureLoaded()
    expect(a).toEqual({ id: 1, username: 'admin', role: 'admin', via: 'session' })
    expect(b).toBe(a)
    expect(server.seen('GET /api/v1/auth/me')).toHaveLength(1)
    expect(session.loggedIn).toBe(true)
  })

  it('knows nobody is logged in when the server answers 401', async () => {
    server.on('GET /api/v1/auth/me', problem(401, 'Not authenticated'))
    const session = useSessionStore()
    expect(await session.ensureLoaded()).toBeNull()
    expect(session.checked).toBe(true)
    expect(session.loggedIn).toBe(false)
    expect(session.can('viewer')).toBe(false)
  })

  it('lets other failures through and asks again next time', async () => {
    server.on('GET /api/v1/auth/me', problem(503, 'Starting'))
    const session = useSessionStore()
    await expect(session.ensureLoaded()).rejects.toMatchObject({ status: 503 })
    expect(session.checked).toBe(false)
    server.on('GET /api/v1/auth/me', json({ id: 2, username: 'op', role: 'operator', via: 'session' }))
    expect((await session.ensureLoaded())?.username).toBe('op')
  })

  it('logs in with the username and password and keeps the user the server returns', async () => {
    server.on('POST /api/v1/auth/login', json({ user: { id: 3, username: 'ann', role: 'operator' }, csrf_token: 't' }))
    const session = useSessionStore()
    await session.login('ann', 's3cret pass')
    expect(JSON.parse(server.seen('POST /api/v1/auth/login')[0]?.body ?? '{}')).toEqual({
      username: 'ann',
      password: 's3cret pass',
    })
    expect(session.user).toEqual({ id: 3, username: 'ann', role: 'operator', via: 'session' })
    expect(session.can('operator')).toBe(true)
    expect(session.can('admin')).toBe(false)
    expect(session.allows('channels.edit')).toBe(true)
    expect(session.allows('users.manage')).toBe(false)
  })

  it('keeps nobody logged in after a refused login and passes the problem on', async () => {
    server.on('POST /api/v1/auth/login', problem(401, 'Wrong username or password.'))
    const session = useSessionStore()
    const err = await session.login('ann', 'wrong').catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ApiError)
    expect((err as ApiError).detail).toBe('Wrong username or password.')
    expect(session.user).toBeNull()
  })

  it('logs out on the server and forgets the user, even when the server fails', async () => {
    server.on('POST /api/v1/auth/login', json({ user: { id: 3, username: 'ann', role: 'viewer' }, csrf_token: 't' }))
    server.on('POST /api/v1/auth/logout', problem(500, 'boom'))
    const session = useSessionStore()
    await session.login('ann', 'pw')
    await session.logout()
    expect(server.seen('POST /api/v1/auth/logout')).toHaveLength(1)
    expect(session.user).toBeNull()
    expect(session.checked).toBe(true)
  })
})
