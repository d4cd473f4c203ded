// The notification-target form's state and the bodies it turns into (pure).

import type { Severity, Target, TargetCreate, TargetKind, TargetPatch } from '@/api/types'

import { parseTags } from './channelDraft'

export interface TargetDraft {
  name: string
  kind: TargetKind
  url: string
  enabled: boolean
  tags: string
  severities: Severity[]
  on_open: boolean
  on_resolve: boolean
  secret: string
  rotate_secret: boolean
}

export function emptyTargetDraft(): TargetDraft {
  return {
    name: '',
    kind: 'webhook',
    url: '',
    enabled: true,
    tags: '',
    severities: [],
    on_open: true,
    on_resolve: true,
    secret: '',
    rotate_secret: false,
  }
}

export function targetDraftFrom(target: Target): TargetDraft {
  return {
    name: target.name,
    kind: target.kind,
    // The shown URL is masked; left empty, the server keeps the stored one.
    url: '',
    enabled: target.enabled,
    tags: target.filters.tags.join(', '),
    severities: [...target.filters.severities],
    on_open: target.filters.on_open,
    on_resolve: target.filters.on_resolve,
    secret: '',
    rotate_secret: false,
  }
}

function filtersOf(draft: TargetDraft) {
  return {
    tags: parseTags(draft.tags),
    severities: [...draft.severities],
    on_open: draft.on_open,
    on_resolve: draft.on_resolve,
  }
}

export function targetDraftToCreate(draft: TargetDraft): TargetCreate {
  const body: TargetCreate = {
    name: draft.name.trim(),
    kind: draft.kind,
    url: draft.url.trim(),
    enabled: draft.enabled,
    filters: filtersOf(draft),
  }
  if (draft.kind === 'webhook' && draft.secret) body.secret = draft.secret
  return body
}

export function targetDraftToPatch(draft: TargetDraft): TargetPatch {
  const patch: TargetPatch = { name: draft.name.trim(), enabled: draft.enabled, filters: filtersOf(draft) }
  if (draft.url.trim()) patch.url = draft.url.trim()
  if (draft.kind === 'webhook' && draft.secret) patch.secret = draft.secret
  if (draft.kind === 'webhook' && draft.rotate_secret) patch.rotate_secret = true
  return patch
}
