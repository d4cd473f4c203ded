// The router's gate: every page but the login page needs a session, and some a role.
//
// Without a session the guard sends the user to /login?redirect=<the page they wanted>; after
// logging in they land there. A page their role does not allow sends them to the wall.

import type { NavigationGuardWithThis, RouteLocationNormalized, RouteLocationRaw, Router } from 'vue-router'

import { setUnauthorisedHandler } from '@/api/client'
import type { Me } from '@/api/types'

import { allows } from './permissions'

export const LOGIN_ROUTE = 'login'

/** What the guard needs from the session store. */
export interface SessionLike {
  ensureLoaded(): Promise<Me | null>
}

/**
 * The `redirect` query as a path inside the dashboard, or '/' when it is missing, another
 * site (`//host`, `https://…`) or the login page itself (no loop).
 */
export function safeRedirect(value: unknown): string {
  if (typeof value !== 'string' || !value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) {
    return '/'
  }
  if (value === '/login' || value.startsWith('/login?') || value.startsWith('/login/')) return '/'
  return value
}

/** Where the login page is for someone who wanted `to`. */
export function loginLocation(to: Pick<RouteLocationNormalized, 'fullPath' | 'name'>): RouteLocationRaw {
  if (to.name === LOGIN_ROUTE || to.fullPath === '/') return { name: LOGIN_ROUTE }
  return { name: LOGIN_ROUTE, query: { redirect: to.fullPath } }
}

export function authGuard(session: SessionLike): NavigationGuardWithThis<undefined> {
  return async (to) => {
    let user: Me | null
    try {
      user = await session.ensureLoaded()
    } catch {
      // The server cannot say (down, 5xx): let pages show their own errors rather than
      // pretending nobody is logged in.
      return to.meta.public ? true : { name: LOGIN_ROUTE, query: { redirect: to.fullPath } }
    }
    if (to.meta.public) {
      return user ? safeRedirect(to.query.redirect) : true
    }
    if (!user) return loginLocation(to)
    if (to.meta.permission && !allows(user.role, to.meta.permission)) return { name: 'wall' }
    return true
  }
}

/** What `installAuth` needs from the session store. */
export interface SessionControl extends SessionLike {
  clear(): void
}

/**
 * Gate the router on the session, and answer every unexpected 401 by forgetting the session and
 * going to the login page (keeping the page in `redirect`); already there, nothing happens.
 */
export function installAuth(router: Router, session: SessionControl): void {
  router.beforeEach(authGuard(session))
  setUnauthorisedHandler(() => {
    const current = router.currentRoute.value
    session.clear()
    if (current.name !== LOGIN_ROUTE) void router.push(loginLocation(current))
  })
}
