// The one module that talks HTTP to the server. Every request goes through `request()`, so
// credentials (a session cookie and a CSRF header, when accounts arrive) are added here only.

import { ApiError, problemFromResponse } from './problem'
import type {
  Alert,
  AlertState,
  Backups,
  Channel,
  ChannelCreate,
  ChannelEvent,
  ChannelPatch,
  ChannelQuery,
  ImportFormat,
  ImportResult,
  Page,
  ProbeResult,
  Profile,
  Notification,
  Target,
  TargetCreate,
  TargetPatch,
  TargetTestResult,
} from './types'

const BASE = '/api/v1'

type Query = Record<string, string | number | boolean | null | undefined>

interface RequestOptions {
  query?: Query
  /** A JSON body (serialised here). */
  json?: unknown
  /** A raw body, sent as it is (imports). */
  body?: BodyInit
  contentType?: string
  signal?: AbortSignal
}

/** Headers every request carries; accounts will add the CSRF token for unsafe methods here. */
function credentialHeaders(_method: string): Record<string, string> {
  return {}
}

export function apiUrl(path: string, query?: Query): string {
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== null && value !== '') params.set(key, String(value))
  }
  const qs = params.toString()
  return `${BASE}${path}${qs ? `?${qs}` : ''}`
}

async function send(method: string, path: string, options: RequestOptions = {}): Promise<Response> {
  const headers: Record<string, string> = { Accept: 'application/json', ...credentialHeaders(method) }
  let body: BodyInit | undefined
  if (options.json !== undefined) {
    headers['Content-Type'] = 'application/json'
    body = JSON.stringify(options.json)
  } else if (options.body !== undefined) {
    body = options.body
    if (options.contentType) headers['Content-Type'] = options.contentType
  }
  let response: Response
  try {
    response = await fetch(apiUrl(path, options.query), {
      method,
      headers,
      body,
      credentials: 'same-origin',
      signal: options.signal,
    })
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') throw err
    throw new ApiError(0, 'Network error', 'The server cannot be reached.')
  }
  if (!response.ok) {
    throw problemFromResponse(response.status, response.statusText, await response.text())
  }
  return response
}

async function request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  const response = await send(method, path, options)
  if (response.status === 204) return undefined as T
  return (await response.json()) as T
}

// Channels

export function listChannels(query: ChannelQuery = {}, signal?: AbortSignal): Promise<Page<Channel>> {
  return request('GET', '/channels', { query: { ...query }, signal })
}

export function getChannel(id: number, signal?: AbortSignal): Promise<Channel> {
  return request('GET', `/channels/${id}`, { signal })
}

export function createChannel(body: ChannelCreate): Promise<Channel> {
  return request('POST', '/channels', { json: body })
}

export function updateChannel(id: number, patch: ChannelPatch): Promise<Channel> {
  return request('PATCH', `/channels/${id}`, { json: patch })
}

export function deleteChannel(id: number): Promise<void> {
  return request('DELETE', `/channels/${id}`)
}

export type ChannelAction = 'start' | 'stop' | 'restart'

export function channelAction(id: number, action: ChannelAction): Promise<Channel> {
  return request('POST', `/channels/${id}/${action}`)
}

export function getChannelLog(id: number, signal?: AbortSignal): Promise<{ lines: string[] }> {
  return request('GET', `/channels/${id}/log`, { signal })
}

export function getChannelEvents(
  id: number,
  limit = 100,
  signal?: AbortSignal,
): Promise<Page<ChannelEvent>> {
  return request('GET', `/channels/${id}/events`, { query: { limit }, signal })
}

export interface ImportOptions {
  format: ImportFormat
  dryRun: boolean
  partial: boolean
}

/** Import answers 422 with the same body when a file has bad entries; both come back here. */
export async function importChannels(text: string, options: ImportOptions): Promise<ImportResult> {
  try {
    return await request<ImportResult>('POST', '/channels/import', {
      query: { format: options.format, dry_run: options.dryRun, partial: options.partial },
      body: text,
      contentType: options.format === 'yaml' ? 'application/yaml' : 'audio/x-mpegurl',
    })
  } catch (err) {
    if (err instanceof ApiError && err.status === 422 && err.errors.length > 0) {
      return { imported: 0, channels: [], errors: err.errors, dry_run: options.dryRun, queued: 0, warnings: [] }
    }
    throw err
  }
}

/** The export is a download link rather than a fetch. */
export function channelExportUrl(): string {
  return apiUrl('/channels/export')
}

export function listProfiles(): Promise<Profile[]> {
  return request('GET', '/profiles')
}

export function probeSource(url: string): Promise<ProbeResult> {
  return request('POST', '/probe', { json: { url } })
}

// Alerts, notification targets, outbox (docs/alerts.md)

export function listAlerts(
  query: { state?: AlertState; channel_id?: number; limit?: number; offset?: number } = {},
  signal?: AbortSignal,
): Promise<Page<Alert>> {
  return request('GET', '/alerts', { query: { ...query }, signal })
}

export function acknowledgeAlert(id: number, by?: string): Promise<Alert> {
  return request('POST', `/alerts/${id}/ack`, { json: by ? { by } : {} })
}

export function listTargets(): Promise<Page<Target>> {
  return request('GET', '/targets')
}

export function createTarget(body: TargetCreate): Promise<Target> {
  return request('POST', '/targets', { json: body })
}

export function updateTarget(id: number, patch: TargetPatch): Promise<Target> {
  return request('PATCH', `/targets/${id}`, { json: patch })
}

export function deleteTarget(id: number): Promise<void> {
  return request('DELETE', `/targets/${id}`)
}

export function testTarget(id: number): Promise<TargetTestResult> {
  return request('POST', `/targets/${id}/test`)
}

export function listOutbox(
  query: { state?: Notification['state']; target_id?: number; limit?: number } = {},
): Promise<Page<Notification>> {
  return request('GET', '/outbox', { query: { ...query } })
}

export function retryNotification(id: number): Promise<Notification> {
  return request('POST', `/outbox/${id}/retry`)
}

// Live events and media URLs

/** The WebSocket address of the live event stream, on the page's own host. */
export function liveEventsUrl(loc: Pick<Location, 'protocol' | 'host'> = window.location): string {
  const scheme = loc.protocol === 'https:' ? 'wss' : 'ws'
  return `${scheme}://${loc.host}${BASE}/ws`
}

// Backups (docs/api.md)

export function getBackups(signal?: AbortSignal): Promise<Backups> {
  return request('GET', '/backups', { signal })
}
