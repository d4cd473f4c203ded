// The login page: the server's reason for a refusal, the wait a 429 asks for, and the way in.

import { createPinia, setActivePinia } from 'pinia'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createApp, nextTick, type App } from 'vue'
import { createMemoryHistory, createRouter, type Router } from 'vue-router'

import LoginView from '@/views/LoginView.vue'

import { FakeServer, json, problem } from './support/fakeServer'
import { WAIT_MS } from './support/waiting'

let app: App | null = null

async function mountLogin(server: FakeServer, path = '/login'): Promise<{ host: HTMLElement; router: Router }> {
  const pinia = createPinia()
  setActivePinia(pinia)
  server.install()
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/login', name: 'login', component: LoginView },
      { path: '/', name: 'wall', component: { render: () => null } },
      { path: '/alerts', name: 'alerts', component: { render: () => null } },
    ],
  })
  await router.push(path)
  await router.isReady()
  const host = document.createElement('div')
  document.body.appendChild(host)
  app = createApp(LoginView).use(pinia).use(router)
  app.mount(host)
  return { host, router }
}

async function submit(host: HTMLElement, username: string, password: string): Promise<void> {
  const user = host.querySelector<HTMLInputElement>('#login-username')!
  const pass = host.querySelector<HTMLInputElement>('#login-password')!
  user.value = username
  user.dispatchEvent(new Event('input'))
  pass.value = password
  pass.dispatchEvent(new Event('input'))
  await nextTick()
  host.querySelector('form')!.dispatchEvent(new Event('submit'))
}

afterEach(() => {
  vi.useRealTimers()
  app?.unmount()
  app = null
  document.body.innerHTML = ''
  vi.unstubAllGlobals()
})

describe('login page', () => {
  it("shows the server's detail for wrong credentials and empties the password", async () => {
    const server = new FakeServer().on('POST /api/v1/auth/login', problem(401, 'Wrong username or password.'))
    const { host, router } = await mountLogin(server)
    await submit(host, 'admin', 'nope')
    await vi.waitFor(() => expect(host.querySelector('[data-login-error]')?.textContent).toContain('Wrong username or password.'), WAIT_MS)
    expect(host.querySelector<HTMLInputElement>('#login-password')?.value).toBe('')
    expect(router.currentRoute.value.fullPath).toBe('/login')
  })

  it('says how long to wait after a 429 and keeps the button off meanwhile', async () => {
    // Wall time moves only when the test says (timers run as usual), so the wait shown does not
    // depend on how long a loaded machine takes to render it. The page's shared clock last
    // ticked at mount; the 429 comes 0.6 s later, before its next tick.
    vi.useFakeTimers({ toFake: ['Date'] })
    vi.setSystemTime(new Date('2026-12-04T20:00:00.250Z'))
    const server = new FakeServer().on(
      'POST /api/v1/auth/login',
      problem(429, 'Too many failed logins for this account.', { 'Retry-After': '37' }),
    )
    const { host } = await mountLogin(server)
    vi.setSystemTime(new Date('2026-12-04T20:00:00.850Z'))
    await submit(host, 'admin', 'guess')
    await vi.waitFor(() => expect(host.querySelector('[data-login-error]')?.textContent).toContain('Too many failed logins'), WAIT_MS)
    expect(host.querySelector('[data-login-error]')?.textContent).toContain('Try again in 37 s.')
    await submit(host, 'admin', 'another')
    expect(host.querySelector<HTMLButtonElement>('button[type=submit]')?.disabled).toBe(true)
    expect(server.seen('POST /api/v1/auth/login')).toHaveLength(1)
  })

  it('goes to the page in `redirect` once logged in', async () => {
    const server = new FakeServer().on(
      'POST /api/v1/auth/login',
      json({ user: { id: 1, username: 'admin', role: 'admin' }, csrf_token: 't' }),
    )
    const { host, router } = await mountLogin(server, '/login?redirect=/alerts')
    await submit(host, ' admin ', 'right')
    await vi.waitFor(() => expect(router.currentRoute.value.fullPath).toBe('/alerts'), WAIT_MS)
    expect(JSON.parse(server.seen('POST /api/v1/auth/login')[0]?.body ?? '{}')).toEqual({ username: 'admin', password: 'right' })
  })
})
