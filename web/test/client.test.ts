// Credentials on every request: the CSRF header from the `sf_csrf` cookie on state-changing
// methods, cookies sent same-origin, and a lapsed session (401) reported once to the app.

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'

import {
  createChannel,
  credentialHeaders,
  getMe,
  listChannels,
  login,
  readCookie,
  revokeToken,
  setUnauthorisedHandler,
  updateUser,
} from '@/api/client'
import { ApiError, parseRetryAfter } from '@/api/problem'

import { FakeServer, json, problem, setCookie } from './support/fakeServer'

describe('credentialHeaders', () => {
  it.each(['POST', 'PUT', 'PATCH', 'DELETE', 'post'])('sends the CSRF cookie as X-CSRF-Token on %s', (method) => {
    expect(credentialHeaders(method, 'theme=dark; sf_csrf=abc123; other=1')).toEqual({ 'X-CSRF-Token': 'abc123' })
  })

  it.each(['GET', 'HEAD', 'OPTIONS'])('sends no CSRF header on %s', (method) => {
    expect(credentialHeaders(method, 'sf_csrf=abc123')).toEqual({})
  })

  it('sends nothing when there is no CSRF cookie', () => {
    expect(credentialHeaders('POST', 'sf_csrf_old=1; xsf_csrf=2')).toEqual({})
  })

  it('reads a cookie by its exact name and decodes it', () => {
    expect(readCookie('sf_csrf', 'a=1;  sf_csrf=x%2By%3D ; b=2')).toBe('x+y=')
    expect(readCookie('sf_csrf', '')).toBeNull()
  })
})

describe('requests', () => {
  let server: FakeServer
  let reports: number

  beforeEach(() => {
    server = new FakeServer().install()
    reports = 0
    setUnauthorisedHandler(() => (reports += 1))
    setCookie('sf_csrf', 'token-from-login')
  })

  afterEach(() => {
    vi.unstubAllGlobals()
    setUnauthorisedHandler(null)
    setCookie('sf_csrf', null)
  })

  it('adds the CSRF header to POST, PATCH and DELETE but not to GET, and sends cookies same-origin', async () => {
    server
      .on('GET /api/v1/channels', json({ items: [], total: 0 }))
      .on('POST /api/v1/channels', json({ id: 1 }, 201))
      .on('PATCH /api/v1/users/4', json({ id: 4, username: 'v', role: 'viewer' }))
      .on('DELETE /api/v1/tokens/9', new Response(null, { status: 204 }))
    await listChannels()
    await createChannel({ name: 'x', input_url: 'udp://127.0.0.1:1' } as Parameters<typeof createChannel>[0])
    await updateUser(4, { role: 'viewer' })
    await revokeToken(9)
    const byRoute = Object.fromEntries(
      server.requests.map((r) => [`${r.method} ${r.path}`, r.headers.get('X-CSRF-Token')]),
    )
    expect(byRoute).toEqual({
      'GET /api/v1/channels': null,
      'POST /api/v1/channels': 'token-from-login',
      'PATCH /api/v1/users/4': 'token-from-login',
      'DELETE /api/v1/tokens/9': 'token-from-login',
    })
    expect(new Set(server.requests.map((r) => r.credentials))).toEqual(new Set(['same-origin']))
  })

  it('reports a 401 from an ordinary request, once per answer, and still throws it', async () => {
    server.on('GET /api/v1/channels', problem(401, 'Not authenticated'))
    await expect(listChannels()).rejects.toMatchObject({ status: 401 })
    expect(reports).toBe(1)
  })

  it('does not report the 401 of a wrong password or of "nobody is logged in"', async () => {
    server
      .on('POST /api/v1/auth/login', problem(401, 'Wrong username or password.'))
      .on('GET /api/v1/auth/me', problem(401, 'Not authenticated'))
    await expect(login({ username: 'admin', password: 'nope' })).rejects.toMatchObject({
      status: 401,
      detail: 'Wrong username or password.',
    })
    await expect(getMe()).rejects.toBeInstanceOf(ApiError)
    expect(reports).toBe(0)
  })

  it('does not report a 403 (a role too low is not a lapsed session)', async () => {
    server.on('GET /api/v1/channels', problem(403, 'Needs the operator role.'))
    await expect(listChannels()).rejects.toMatchObject({ status: 403 })
    expect(reports).toBe(0)
  })

  it("carries a 429's Retry-After on the error", async () => {
    server.on('POST /api/v1/auth/login', problem(429, 'Too many login attempts.', { 'Retry-After': '42' }))
    const err = await login({ username: 'admin', password: 'x' }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ApiError)
    expect((err as ApiError).retryAfterS).toBe(42)
  })
})

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates, and refuses the rest', () => {
    const now = Date.parse('2026-12-03T12:00:00Z')
    expect(parseRetryAfter('30', now)).toBe(30)
    expect(parseRetryAfter('Thu, 03 Dec 2026 12:01:00 GMT', now)).toBe(60)
    expect(parseRetryAfter('Thu, 03 Dec 2026 11:00:00 GMT', now)).toBe(0)
    expect(parseRetryAfter('99999999999', now)).toBe(86_400)
    expect(parseRetryAfter('soon', now)).toBeNull()
    expect(parseRetryAfter(null, now)).toBeNull()
  })
})
