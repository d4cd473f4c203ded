// Which role may do what: the table views use to hide controls.

import { describe, expect, it } from 'vitest'

import { REQUIRED_ROLE, allows, isRole, roleAtLeast, rolesUpTo, type Permission } from '@/auth/permissions'

describe('roles', () => {
  it('orders viewer < operator < admin', () => {
    expect(roleAtLeast('admin', 'operator')).toBe(true)
    expect(roleAtLeast('operator', 'operator')).toBe(true)
    expect(roleAtLeast('viewer', 'operator')).toBe(false)
    expect(roleAtLeast('operator', 'admin')).toBe(false)
    expect(roleAtLeast(null, 'viewer')).toBe(false)
  })

  it('offers a token role no higher than its creator', () => {
    expect(rolesUpTo('viewer')).toEqual(['viewer'])
    expect(rolesUpTo('operator')).toEqual(['viewer', 'operator'])
    expect(rolesUpTo('admin')).toEqual(['viewer', 'operator', 'admin'])
    expect(rolesUpTo(null)).toEqual([])
  })

  it('recognises only the three roles', () => {
    expect(['viewer', 'operator', 'admin', 'root', '', null].map(isRole)).toEqual([true, true, true, false, false, false])
  })
})

describe('permissions', () => {
  const expected: Record<Permission, [viewer: boolean, operator: boolean, admin: boolean]> = {
    'channels.edit': [false, true, true],
    'channels.secrets': [false, true, true],
    'alerts.acknowledge': [false, true, true],
    'recordings.export': [false, true, true],
    'targets.edit': [false, true, true],
    'workers.drain': [false, true, true],
    'backups.view': [false, false, true],
    'users.manage': [false, false, true],
    'tokens.all': [false, false, true],
    'audit.view': [false, false, true],
  }

  it('has a row here for every permission', () => {
    expect(Object.keys(expected).sort()).toEqual(Object.keys(REQUIRED_ROLE).sort())
  })

  it.each(Object.entries(expected))('%s: viewer/operator/admin = %j', (permission, row) => {
    const p = permission as Permission
    expect([allows('viewer', p), allows('operator', p), allows('admin', p)]).toEqual(row)
    expect(allows(null, p)).toBe(false)
  })
})
