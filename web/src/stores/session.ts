// Who is logged in: the user behind the session cookie, as `GET /api/v1/auth/me` says.
//
// `ensureLoaded()` asks once (the router guard awaits it before the first page); `login()` and
// `logout()` change it; `clear()` forgets it when the server answers 401 (the session lapsed or
// was revoked). `can(role)` and `allows(permission)` are what views use to hide controls.

import { defineStore } from 'pinia'
import { computed, ref } from 'vue'

import { getMe, login as apiLogin, logout as apiLogout } from '@/api/client'
import { ApiError } from '@/api/problem'
import type { Me, Role } from '@/api/types'
import { allows as roleAllows, roleAtLeast, type Permission } from '@/auth/permissions'

export const useSessionStore = defineStore('session', () => {
  const user = ref<Me | null>(null)
  /** True once the server has said who (or that nobody) is logged in. */
  const checked = ref(false)
  let pending: Promise<Me | null> | null = null

  const role = computed<Role | null>(() => user.value?.role ?? null)
  const loggedIn = computed(() => user.value !== null)

  /** Ask the server who is logged in (again); null when nobody is. Other errors propagate. */
  async function refresh(): Promise<Me | null> {
    try {
      user.value = await getMe()
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 401)) throw err
      user.value = null
    }
    checked.value = true
    return user.value
  }

  /** The first answer, asked once however many callers wait for it. */
  function ensureLoaded(): Promise<Me | null> {
    if (checked.value) return Promise.resolve(user.value)
    pending ??= refresh().finally(() => {
      pending = null
    })
    return pending
  }

  /** Log in; throws the server's `ApiError` (401 wrong credentials, 429 too many attempts). */
  async function login(username: string, password: string): Promise<Me> {
    const answer = await apiLogin({ username, password })
    user.value = { ...answer.user, via: 'session' }
    checked.value = true
    return user.value
  }

  /** End the session on the server (best effort) and forget it here. */
  async function logout(): Promise<void> {
    try {
      await apiLogout()
    } catch {
      // the session is forgotten here whatever the server said
    }
    clear()
  }

  /** Forget the user without asking the server (it has just said 401). */
  function clear(): void {
    user.value = null
    checked.value = true
  }

  function can(needed: Role): boolean {
    return roleAtLeast(role.value, needed)
  }

  function allows(permission: Permission): boolean {
    return roleAllows(role.value, permission)
  }

  return { user, checked, role, loggedIn, refresh, ensureLoaded, login, logout, clear, can, allows }
})
