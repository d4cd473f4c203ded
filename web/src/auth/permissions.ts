// Which role each part of the dashboard needs: the one place a view asks "may this user…?".
//
// The server decides (it answers 403 to a role too low); the dashboard only hides what the
// user may not do, so a viewer never sees an edit control it could not use.

import { ROLES, type Role } from '@/api/types'

/** The least role for each thing the dashboard offers. */
export const REQUIRED_ROLE = {
  /** Create, edit, delete, start, stop, restart channels; import; probe a source. */
  'channels.edit': 'operator',
  /** A channel's publish URL (it carries the stream key or passphrase). */
  'channels.secrets': 'operator',
  'alerts.acknowledge': 'operator',
  /** Export a recorded span to MP4; lock a span against retention. */
  'recordings.export': 'operator',
  /** Add, edit, test, delete notification targets; retry a notification. */
  'targets.edit': 'operator',
  /** Drain a fleet worker (its channels move to the others). */
  'workers.drain': 'operator',
  'backups.view': 'admin',
  'users.manage': 'admin',
  /** Everyone's API tokens (anyone sees and revokes their own). */
  'tokens.all': 'admin',
  'audit.view': 'admin',
} as const satisfies Record<string, Role>

export type Permission = keyof typeof REQUIRED_ROLE

/** True when `role` is `needed` or above it (no role, no rights). */
export function roleAtLeast(role: Role | null | undefined, needed: Role): boolean {
  if (!role) return false
  return ROLES.indexOf(role) >= ROLES.indexOf(needed)
}

export function allows(role: Role | null | undefined, permission: Permission): boolean {
  return roleAtLeast(role, REQUIRED_ROLE[permission])
}

/** The roles a user of `role` may hand out (a token never above its creator). */
export function rolesUpTo(role: Role | null | undefined): Role[] {
  return ROLES.filter((r) => roleAtLeast(role, r))
}

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value)
}
