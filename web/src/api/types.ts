// The shapes of docs/api.md (the contract between the server and this dashboard).

export const STATUSES = ['stopped', 'queued', 'starting', 'online', 'degraded', 'offline', 'error'] as const
export type Status = (typeof STATUSES)[number]

export type IngestMode = 'pull' | 'listen_srt'
export type ContentCheck = 'black' | 'freeze' | 'silence'
export const CONTENT_CHECKS: readonly ContentCheck[] = ['black', 'freeze', 'silence']

export interface Metrics {
  fps?: number | null
  frames?: number | null
  drop_frames?: number | null
  dup_frames?: number | null
  speed?: number | null
  out_time_s?: number | null
  bitrate_kbps?: number | null
  last_segment_age_s?: number | null
}

export interface ChannelState {
  status: Status
  since: string
  reason: string
  pid: number | null
  restarts: number
  source: string
  metrics: Metrics
}

/** What the channel's own segments carry (docs/events.md `MediaInfo`); unknown keys are kept. */
export interface VideoInfo {
  codec?: string | null
  profile?: string | null
  width?: number | null
  height?: number | null
  fps?: number | null
  keyframe_interval_s?: number | null
  pix_fmt?: string | null
  [key: string]: unknown
}

export interface AudioInfo {
  codec?: string | null
  profile?: string | null
  sample_rate?: number | null
  channels?: number | null
  [key: string]: unknown
}

export interface MediaInfo {
  video?: VideoInfo | null
  audio?: AudioInfo | null
  bitrate_kbps?: number | null
  measured_at?: string | null
  /** Only in `media_info` envelopes: what differs from the previous reading. */
  changed?: string[]
  [key: string]: unknown
}

export interface HlsSettings {
  segment_seconds: number | null
  list_size: number | null
}

/** Every configuration field of a channel (what POST takes and PATCH takes a subset of). */
export interface ChannelCreate {
  name: string
  slug?: string | null
  tags: string[]
  enabled: boolean
  input_url: string
  backup_url: string | null
  ingest_mode: IngestMode
  listen_port: number | null
  passphrase: string | null
  profile: string
  hls: HlsSettings
  recording: boolean
  retention_days: number
  thumbnail_interval_s: number
  offline_grace_s: number
  content_checks: ContentCheck[]
}

export type ChannelPatch = Partial<ChannelCreate>

export interface Channel extends ChannelCreate {
  id: number
  slug: string
  publish_url: string | null
  created_at: string
  updated_at: string
  state: ChannelState
  media_info: MediaInfo | null
  urls: { hls: string; thumbnail: string }
}

export interface Page<T> {
  items: T[]
  total: number
  limit?: number
  offset?: number
}

export interface ChannelQuery {
  limit?: number
  offset?: number
  tag?: string
  status?: Status
  q?: string
}

export interface Rendition {
  name?: string
  height?: number
  video_kbps?: number
  audio_kbps?: number
  [key: string]: unknown
}

export interface Profile {
  name: string
  description: string
  renditions: Rendition[]
}

export interface ChannelEvent {
  id: number
  channel_id: number | null
  at: string
  type: string
  from_status: Status | null
  to_status: Status | null
  reason: string
  worker: string | null
  data: Record<string, unknown>
}

export interface LineError {
  line: number | null
  field: string | null
  message: string
}

export type ImportFormat = 'm3u' | 'yaml'

export interface ImportResult {
  imported: number
  channels: Channel[]
  errors: LineError[]
  dry_run: boolean
  /** Imported enabled channels beyond the server's capacity: they wait `queued` (would, for a dry run). */
  queued: number
  warnings: string[]
}

/** One stream of a probe report (media/probe_report.py `ProbedStream`). */
export interface ProbedStream {
  index: number
  kind: string
  codec: string
  profile?: string | null
  width?: number | null
  height?: number | null
  fps?: number | null
  sample_rate?: number | null
  channels?: number | null
  bitrate_kbps?: number | null
}

export interface ProbeResult {
  ok: boolean
  format?: string | null
  bitrate_kbps?: number | null
  streams: ProbedStream[]
  error: string | null
}

// Alerts, notification targets and the outbox (docs/alerts.md).

export type AlertState = 'open' | 'resolved'
export type Severity = 'critical' | 'warning' | 'info'
export const SEVERITIES: readonly Severity[] = ['critical', 'warning', 'info']

export interface Alert {
  id: number
  channel_id: number | null
  channel: string | null
  rule: string
  severity: Severity
  state: AlertState
  summary: string
  started_at: string
  ended_at: string | null
  duration_s: number
  acknowledged_by: string | null
  acknowledged_at: string | null
  notified: boolean
  data: Record<string, unknown>
}

export interface AlertChange {
  change: 'opened' | 'resolved' | 'acknowledged'
  alert: Alert
}

export type TargetKind = 'webhook' | 'apprise'

export interface TargetFilters {
  tags: string[]
  severities: Severity[]
  on_open: boolean
  on_resolve: boolean
}

export interface TargetCreate {
  name: string
  kind: TargetKind
  url: string
  enabled: boolean
  filters: TargetFilters
  secret?: string | null
}

export interface TargetPatch {
  name?: string
  url?: string
  enabled?: boolean
  filters?: TargetFilters
  secret?: string
  rotate_secret?: boolean
}

export interface Target {
  id: number
  name: string
  kind: TargetKind
  url: string
  enabled: boolean
  filters: TargetFilters
  secret: string | null
  secret_hint: string | null
  created_at: string
  updated_at: string
}

export interface Notification {
  id: number
  target_id: number
  target: string
  event: 'opened' | 'resolved' | 'test'
  title: string
  alert_ids: number[]
  state: 'pending' | 'delivered' | 'failed'
  attempts: number
  last_error: string | null
  next_attempt_at: string | null
  created_at: string
  delivered_at: string | null
}

export interface TargetTestResult {
  ok: boolean
  error: string | null
  status_code?: number | null
  notification?: Notification
}

// Live events (WebSocket /api/v1/ws): a frame is one Envelope, or an array of metrics
// Envelopes (the once-a-second flush).

export interface StatusData {
  status: Status
  from: Status | null
  since: string
  reason: string
  source?: string
  restarts?: number
}

export interface ContentData {
  check: ContentCheck
  state: 'start' | 'end'
  at: string
}

export type Envelope =
  | { type: 'snapshot'; channel: null; ts: number; data: { channels: Channel[] } }
  | { type: 'status'; channel: string; ts: number; data: StatusData }
  | { type: 'metrics'; channel: string; ts: number; data: Metrics }
  | { type: 'media_info'; channel: string; ts: number; data: MediaInfo }
  | { type: 'thumbnail'; channel: string; ts: number; data: { url: string; taken_at?: number } }
  | { type: 'content'; channel: string; ts: number; data: ContentData }
  | { type: 'channel_created'; channel: string; ts: number; data: Channel }
  | { type: 'channel_updated'; channel: string; ts: number; data: Channel }
  | { type: 'channel_deleted'; channel: string; ts: number; data: { id: number } }
  | { type: 'alert'; channel: string | null; ts: number; data: AlertChange }

export type EnvelopeType = Envelope['type']

// Backups (docs/api.md "Backups", docs/operations.md)

export interface BackupRun {
  at: string
  ok: boolean
  seconds: number
  bytes: number
  error: string
}

export interface BackupSchedule {
  enabled: boolean
  interval_s: number
  running_since: string | null
  last: BackupRun | null
  last_success: BackupRun | null
  failures: number
}

export interface BackupItem {
  name: string
  taken_at: string
  finished: boolean
  bytes: number
  rows: number
  encrypted: boolean
  schema_revision: string | null
  problem: string
}

export interface Backups {
  schedule: BackupSchedule
  items: BackupItem[]
}

// ---------------------------------------------------------------------------------------------
// Accounts (issue 13: users, sessions, API tokens, audit). Written by hand against
// /work/auth-contract.md until the contract branch generates these from the OpenAPI document:
// replace this block with the generated types then.
// ---------------------------------------------------------------------------------------------

/** Lowest to highest: each role can do everything the ones before it can. */
export const ROLES = ['viewer', 'operator', 'admin'] as const
export type Role = (typeof ROLES)[number]

export interface UserRef {
  id: number
  username: string
  role: Role
}

/** `GET /api/v1/auth/me`: who the request is, and whether by session cookie or bearer token. */
export interface Me extends UserRef {
  via: 'session' | 'token'
}

export interface LoginRequest {
  username: string
  password: string
}

export interface LoginResponse {
  user: UserRef
  csrf_token: string
}

export interface User extends UserRef {
  disabled: boolean
  created_at: string
  updated_at: string
}

export interface UserCreate {
  username: string
  password: string
  role: Role
}

export interface UserPatch {
  role?: Role
  disabled?: boolean
  password?: string
}

export interface ApiToken {
  id: number
  name: string
  role: Role
  /** `personal` (made on the tokens page or by the CLI) or `login` (from `POST /auth/token`). */
  kind: 'personal' | 'login'
  /** The owner (an admin's list has everyone's). */
  user_id: number
  username: string
  /** The token's last four characters. */
  hint: string
  expires_at: string | null
  created_at: string
  last_used_at: string | null
}

export interface ApiTokenCreate {
  name: string
  role: Role
  /** null: never expires. */
  expires_at: string | null
}

/** The answer to `POST /api/v1/tokens`: the only time the secret is shown. */
export interface ApiTokenCreated extends ApiToken {
  token: string
}

export interface AuditEvent {
  id: number
  at: string
  actor: string | null
  role: string | null
  address: string | null
  action: string
  target_type: string | null
  target_id: string | null
  target_name: string | null
  /** `{field: [old, new]}`; secrets masked. */
  changes: Record<string, unknown> | null
}

export interface AuditPage {
  items: AuditEvent[]
  next_cursor: string | null
}

export interface AuditQuery {
  actor?: string
  action?: string
  target_type?: string
  target_id?: string
  since?: string
  until?: string
  limit?: number
  cursor?: string
}
