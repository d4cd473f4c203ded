// What a route's `meta` may say (the router guard reads `public` and `permission`).
import 'vue-router'
import type { Permission } from '@/auth/permissions'

declare module 'vue-router' {
  interface RouteMeta {
    title?: string
    /** Shown without a session (the login page). */
    public?: boolean
    /** What the user must be allowed to do to open the page (see auth/permissions.ts). */
    permission?: Permission
  }
}
