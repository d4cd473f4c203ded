// The one module that talks HTTP to the server. Every request goes through `request()`, so
// credentials are added here only: the browser sends the session cookie (same origin), and every
// state-changing request carries the CSRF token the server set in the readable `sf_csrf` cookie
// (double submit). A 401 answer tells the handler the app registered (it goes to the login page).

import { ApiError, parseRetryAfter, problemFromResponse } from './problem'
import type {
  Alert,
  AlertState,
  ApiToken,
  ApiTokenCreate,
  ApiTokenCreated,
  AuditPage,
  AuditQuery,
  LoginRequest,
  LoginResponse,
  Me,
  User,
  UserCreate,
  UserPatch,
  Backups,
  Channel,
  ChannelCreate,
  Command,
  ChannelEvent,
  ChannelPatch,
  ChannelQuery,
  ChannelSource,
  ExportJob,
  Recordings,
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
  Worker,
  WorkerList,
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
  /** A 401 is the answer itself (a wrong password, "nobody is logged in"), not a lapsed session. */
  expectUnauthorised?: boolean
}

/** The cookie the server sets at login with the CSRF token (readable by scripts, unlike the session's). */
export const CSRF_COOKIE = 'sf_csrf'
export const CSRF_HEADER = 'X-CSRF-Token'
const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

/** One cookie's value from a `document.cookie` string, or null. */
export function readCookie(name: string, cookies: string): string | null {
  for (const part of cookies.split(';')) {
    const eq = part.indexOf('=')
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue
    const raw = part.slice(eq + 1).trim()
    try {
      return decodeURIComponent(raw)
    } catch {
      return raw
    }
  }
  return null
}

/** Headers for credentials: the CSRF token on every state-changing method, when there is one. */
export function credentialHeaders(method: string, cookies: string = document.cookie): Record<string, string> {
  if (!STATE_CHANGING.has(method.toUpperCase())) return {}
  const token = readCookie(CSRF_COOKIE, cookies)
  return token ? { [CSRF_HEADER]: token } : {}
}

let unauthorisedHandler: (() => void) | null = null

/** Who hears that the session has lapsed (any 401 but the expected ones); null to stop. */
export function setUnauthorisedHandler(handler: (() => void) | null): void {
  unauthorisedHandler = handler
}

/** Tell the registered handler the session is gone (the live socket uses this too). */
export function reportUnauthorised(): void {
  unauthorisedHandler?.()
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
    if (response.status === 401 && !options.expectUnauthorised) reportUnauthorised()
    const problem = problemFromResponse(response.status, response.statusText, await response.text())
    problem.retryAfterS = parseRetryAfter(response.headers.get('Retry-After'))
    throw problem
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

/** The channel's source URLs, passphrase and publish URL in full (operators and up; audited). */
export function getChannelSource(id: number, signal?: AbortSignal): Promise<ChannelSource> {
  return request('GET', `/channels/${id}/source`, { signal })
}

export function createChannel(body: ChannelCreate): Promise<Channel> {
  return request('POST', '/channels', { json: body })
}

export function updateChannel(id: number, patch: ChannelPatch): Promise<Channel> {
  return request('PATCH', `/channels/${id}`, { json: patch })
}

/** A new RTMP stream key for a push_rtmp channel: in this answer only (``stream_key``). */
export function rotateStreamKey(id: number): Promise<Channel> {
  return request('POST', `/channels/${id}/stream_key`)
}

export function deleteChannel(id: number): Promise<void> {
  return request('DELETE', `/channels/${id}`)
}

export type ChannelAction = 'start' | 'stop' | 'restart'

export function channelAction(id: number, action: ChannelAction): Promise<Channel> {
  return commanded('POST', `/channels/${id}/${action}`, {}, () => getChannel(id))
}

export function getChannelLog(id: number, signal?: AbortSignal): Promise<{ lines: string[] }> {
  return commanded('GET', `/channels/${id}/log`, { signal }, (command) => {
    const lines = command.result?.lines
    return { lines: Array.isArray(lines) ? lines.map(String) : [] }
  })
}

export function getChannelEvents(
  id: number,
  limit = 100,
  signal?: AbortSignal,
): Promise<Page<ChannelEvent>> {
  return request('GET', `/channels/${id}/events`, { query: { limit }, signal })
}

// Recordings

/** The recorded ranges and the gaps between them in [from, to) (at most 24 h). */
export function getRecordings(id: number, from: number, to: number, signal?: AbortSignal): Promise<Recordings> {
  const query = { from: new Date(from).toISOString(), to: new Date(to).toISOString() }
  return request('GET', `/channels/${id}/recordings`, { query, signal })
}

/** Start remuxing [from, to] to MP4 (operators and up); the job is followed with `getExport`. */
export function createExport(id: number, from: number, to: number): Promise<ExportJob> {
  return request('POST', `/channels/${id}/exports`, {
    json: { from: new Date(from).toISOString(), to: new Date(to).toISOString() },
  })
}

export function getExport(id: number, signal?: AbortSignal): Promise<ExportJob> {
  return request('GET', `/exports/${id}`, { signal })
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
  return commanded('POST', '/probe', { json: { url } }, (command) => command.result?.report as ProbeResult)
}

// Fleet commands (docs/api.md, "Commands")

/** How often a command still pending is read again, and for how long at most. */
export const COMMAND_POLL_MS = 500
export const COMMAND_FOLLOW_MS = 30_000

/** A request that a fleet's API node may answer with 202 and a command (`Location:
 * /api/v1/commands/{id}`) when its worker has not finished yet: the command is followed until
 * it is done and `finished` turns it into the answer the route gives when it is quick. */
async function commanded<T>(
  method: string,
  path: string,
  options: RequestOptions,
  finished: (command: Command) => T | Promise<T>,
): Promise<T> {
  const response = await send(method, path, options)
  const location = response.status === 202 ? response.headers.get('Location') : null
  const body: unknown = await response.json()
  if (location === null || !location.startsWith(`${BASE}/commands/`)) return body as T
  return finished(await followCommand(location.slice(BASE.length), options.signal))
}

/** Read the command at `path` every `COMMAND_POLL_MS` until it is done; an ApiError when it
 * failed, expired, or is still pending after `COMMAND_FOLLOW_MS`. */
export async function followCommand(path: string, signal?: AbortSignal): Promise<Command> {
  const deadline = Date.now() + COMMAND_FOLLOW_MS
  for (;;) {
    const command = await request<Command>('GET', path, { signal })
    if (command.state === 'done') return command
    if (command.state !== 'pending') {
      const why = command.error ?? 'the worker did not carry it out in time'
      throw new ApiError(409, `Command ${command.state}`, `The ${command.action} ${command.state}: ${why}.`)
    }
    if (Date.now() >= deadline) {
      throw new ApiError(504, 'Command pending', `The worker has not carried out the ${command.action} yet.`)
    }
    await new Promise((resolve) => setTimeout(resolve, COMMAND_POLL_MS))
  }
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

// Fleet workers: the list, and draining one (operators and up)

export function listWorkers(signal?: AbortSignal): Promise<WorkerList> {
  return request('GET', '/workers', { signal })
}

export function drainWorker(id: string): Promise<Worker> {
  return request('POST', `/workers/${encodeURIComponent(id)}/drain`)
}

// Accounts: sessions, users, API tokens, audit (docs/api.md, issue 13)

export function login(body: LoginRequest): Promise<LoginResponse> {
  return request('POST', '/auth/login', { json: body, expectUnauthorised: true })
}

export function logout(): Promise<void> {
  return request('POST', '/auth/logout', { expectUnauthorised: true })
}

/** Who is logged in; an `ApiError` with status 401 when nobody is. */
export function getMe(signal?: AbortSignal): Promise<Me> {
  return request('GET', '/auth/me', { signal, expectUnauthorised: true })
}

export function listUsers(): Promise<Page<User>> {
  return request('GET', '/users')
}

export function createUser(body: UserCreate): Promise<User> {
  return request('POST', '/users', { json: body })
}

export function updateUser(id: number, patch: UserPatch): Promise<User> {
  return request('PATCH', `/users/${id}`, { json: patch })
}

export function listTokens(): Promise<Page<ApiToken>> {
  return request('GET', '/tokens')
}

export function createToken(body: ApiTokenCreate): Promise<ApiTokenCreated> {
  return request('POST', '/tokens', { json: body })
}

export function revokeToken(id: number): Promise<void> {
  return request('DELETE', `/tokens/${id}`)
}

export function listAudit(query: AuditQuery = {}, signal?: AbortSignal): Promise<AuditPage> {
  return request('GET', '/audit', { query: { ...query }, signal })
}
