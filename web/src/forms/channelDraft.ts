// The channel editor's form state and how it becomes a ChannelCreate or a PATCH body (pure).
//
// Inputs are kept as the text the operator typed; numbers that do not parse are sent as they
// are, so the server's validation (the one source of truth) names the field.

import type { Channel, ChannelCreate, ChannelPatch, ChannelSource, ContentCheck, IngestMode } from '@/api/types'

export interface ChannelDraft {
  name: string
  slug: string
  tags: string
  enabled: boolean
  input_url: string
  backup_url: string
  ingest_mode: IngestMode
  listen_port: string
  passphrase: string
  profile: string
  segment_seconds: string
  list_size: string
  recording: boolean
  retention_days: string
  thumbnail_interval_s: string
  offline_grace_s: string
  content_checks: ContentCheck[]
}

export function emptyDraft(): ChannelDraft {
  return {
    name: '',
    slug: '',
    tags: '',
    enabled: true,
    input_url: '',
    backup_url: '',
    ingest_mode: 'pull',
    listen_port: '',
    passphrase: '',
    profile: 'copy',
    segment_seconds: '',
    list_size: '',
    recording: false,
    retention_days: '7',
    thumbnail_interval_s: '10',
    offline_grace_s: '10',
    content_checks: [],
  }
}

function text(value: number | string | null | undefined): string {
  return value === null || value === undefined ? '' : String(value)
}

/**
 * The form's starting point: the channel as answers show it, with its secrets in full when
 * `source` (GET /channels/{id}/source) is given. Without it the URLs stay masked, and saving
 * them back unchanged keeps the stored secrets (the server treats the masked form so).
 */
export function draftFromChannel(channel: Channel, source?: ChannelSource): ChannelDraft {
  if (source) channel = { ...channel, ...source }
  return {
    name: channel.name,
    slug: channel.slug,
    tags: channel.tags.join(', '),
    enabled: channel.enabled,
    input_url: channel.input_url ?? '',
    backup_url: channel.backup_url ?? '',
    ingest_mode: channel.ingest_mode,
    listen_port: text(channel.listen_port),
    passphrase: channel.passphrase ?? '',
    profile: channel.profile,
    segment_seconds: text(channel.hls?.segment_seconds),
    list_size: text(channel.hls?.list_size),
    recording: channel.recording,
    retention_days: text(channel.retention_days),
    thumbnail_interval_s: text(channel.thumbnail_interval_s),
    offline_grace_s: text(channel.offline_grace_s),
    content_checks: [...channel.content_checks],
  }
}

/** `"news, hd ,, sport"` → `["news", "hd", "sport"]` */
export function parseTags(value: string): string[] {
  return value
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t.length > 0)
}

/** A number when the text is one, null when empty, else the text itself (the server rejects it). */
export function numberOrText(value: string): number | null {
  const trimmed = value.trim()
  if (trimmed === '') return null
  const n = Number(trimmed)
  return (Number.isFinite(n) ? n : trimmed) as number
}

/** The POST body for a draft (a new channel). */
export function draftToCreate(draft: ChannelDraft): ChannelCreate {
  const listen = draft.ingest_mode === 'listen_srt'
  const push = draft.ingest_mode === 'push_rtmp'
  const body: ChannelCreate = {
    name: draft.name.trim(),
    tags: parseTags(draft.tags),
    enabled: draft.enabled,
    input_url: push ? null : draft.input_url.trim(),
    backup_url: push ? null : draft.backup_url.trim() || null,
    ingest_mode: draft.ingest_mode,
    listen_port: listen ? numberOrText(draft.listen_port) : null,
    passphrase: listen ? draft.passphrase || null : null,
    profile: draft.profile,
    hls: {
      segment_seconds: numberOrText(draft.segment_seconds),
      list_size: numberOrText(draft.list_size),
    },
    recording: draft.recording,
    retention_days: numberOrText(draft.retention_days) ?? 7,
    thumbnail_interval_s: numberOrText(draft.thumbnail_interval_s) ?? 10,
    offline_grace_s: numberOrText(draft.offline_grace_s) ?? 10,
    content_checks: [...draft.content_checks],
  }
  const slug = draft.slug.trim()
  if (slug) body.slug = slug
  return body
}

/** Only the fields that differ between what was loaded and what is now in the form. */
export function patchBetween(before: ChannelDraft, after: ChannelDraft): ChannelPatch {
  const a = draftToCreate(before)
  const b = draftToCreate(after)
  const patch: ChannelPatch = {}
  for (const key of Object.keys(b) as (keyof ChannelCreate)[]) {
    if (JSON.stringify(a[key]) !== JSON.stringify(b[key])) {
      ;(patch as Record<string, unknown>)[key] = b[key]
    }
  }
  if (before.slug.trim() !== after.slug.trim()) patch.slug = after.slug.trim() || null
  return patch
}

/** The form field an API error path belongs to: `tags.2` → `tags`, `body.hls.list_size` → `hls.list_size`. */
export function formFieldOf(path: string): string {
  const parts = path.split('.').filter((p) => p !== 'body')
  if (parts[0] === 'hls' && parts[1]) return `hls.${parts[1]}`
  return parts[0] ?? ''
}

export const FORM_FIELDS = [
  'name',
  'slug',
  'tags',
  'enabled',
  'input_url',
  'backup_url',
  'ingest_mode',
  'listen_port',
  'passphrase',
  'profile',
  'hls.segment_seconds',
  'hls.list_size',
  'recording',
  'retention_days',
  'thumbnail_interval_s',
  'offline_grace_s',
  'content_checks',
] as const

/** Server field errors grouped per form field; the ones no field shows go under `''`. */
export function errorsByField(fieldErrors: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {}
  const known = new Set<string>(FORM_FIELDS)
  for (const [path, message] of Object.entries(fieldErrors)) {
    const field = formFieldOf(path)
    const key = known.has(field) ? field : ''
    out[key] = out[key] ? `${out[key]}; ${message}` : message
  }
  return out
}
