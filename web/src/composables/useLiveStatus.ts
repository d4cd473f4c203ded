// The live event stream: one WebSocket to /api/v1/ws for the whole dashboard.
//
// The first message after connecting is a snapshot, then deltas (one envelope per frame, except
// the metrics flush: one frame holding an array of them); both reach the stores in coalesced
// batches. A dropped connection is retried with jittered exponential backoff
// (reset by the next snapshot); `status` says what is going on for the header. The socket is
// closed when the owning scope ends, and an explicit `close()` is never followed by a retry.
// The tiles the wall has on screen go to the server as `{"type": "visible"}` whenever they
// change and after every (re)connect: only those channels get new thumbnails.
//
// The socket authenticates like every request: the browser sends the session cookie on the
// same-origin handshake. A close with 1008 (policy: no or lapsed session, wrong Origin) or 4401
// (the session ended while the socket was open: logout, expiry, a disabled or demoted user) is
// not retried; it and a socket refused before opening ask `onRefused`, which checks the session
// and goes to the login page when it has lapsed. A close with 4403 (the user's role changed) is
// followed by a reconnect at once, which brings what the new role may see.

import { getCurrentScope, onScopeDispose, ref, watch, type Ref } from 'vue'

import { liveEventsUrl, reportUnauthorised } from '@/api/client'
import type { Envelope } from '@/api/types'
import { useAlertsStore } from '@/stores/alerts'
import { useChannelsStore } from '@/stores/channels'
import { useSessionStore } from '@/stores/session'

import { EnvelopeBatcher, defaultSchedule, type Schedule } from './envelopeBatcher'
import { DEFAULT_BACKOFF, reconnectDelayMs, type BackoffPolicy } from './reconnectDelay'

export type LiveStatus = 'connecting' | 'connected' | 'reconnecting' | 'offline'

/** The close code the server sends when it refuses the connection (RFC 6455 "policy violation"). */
export const CLOSE_POLICY_VIOLATION = 1008
/** The server closes an open socket whose session or token stopped being valid. */
export const CLOSE_CREDENTIAL_ENDED = 4401
/** The server closes an open socket whose user's role changed: reconnect to get the new view. */
export const CLOSE_ROLE_CHANGED = 4403

/** The part of the browser's WebSocket this module uses. */
export type SocketLike = Pick<WebSocket, 'onopen' | 'onmessage' | 'onclose' | 'onerror' | 'close' | 'send'>

export interface LiveOptions {
  url: string
  onBatch: (batch: Envelope[]) => void
  createSocket?: (url: string) => SocketLike
  random?: () => number
  now?: () => number
  schedule?: Schedule
  backoff?: BackoffPolicy
  /** How long envelopes are collected before the stores see them, in milliseconds. */
  batchMs?: number
  /**
   * The server refused the socket: closed it with 1008 or 4401 (no retry follows), or it closed before
   * ever opening (a refused handshake looks like that to a browser; retries go on).
   */
  onRefused?: (code: number) => void
}

const ENVELOPE_TYPES = new Set<string>([
  'snapshot',
  'status',
  'metrics',
  'media_info',
  'thumbnail',
  'content',
  'channel_created',
  'channel_updated',
  'channel_deleted',
  'alert',
])

/**
 * The envelopes in one WebSocket frame: a single envelope object, or (the once-a-second metrics
 * flush) a JSON array of envelopes. Anything that is not an envelope we know is left out.
 */
export function parseEnvelopes(raw: unknown): Envelope[] {
  if (typeof raw !== 'string') return []
  let value: unknown
  try {
    value = JSON.parse(raw)
  } catch {
    return []
  }
  const items: unknown[] = Array.isArray(value) ? value : [value]
  const envelopes: Envelope[] = []
  for (const item of items) {
    const envelope = toEnvelope(item)
    if (envelope !== null) envelopes.push(envelope)
  }
  return envelopes
}

/** One decoded JSON value as an envelope, or null when it is not one we know. */
function toEnvelope(value: unknown): Envelope | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null
  const candidate = value as Record<string, unknown>
  if (typeof candidate.type !== 'string' || !ENVELOPE_TYPES.has(candidate.type)) return null
  if (typeof candidate.data !== 'object' || candidate.data === null) return null
  if (typeof candidate.ts !== 'number') candidate.ts = Date.now() / 1000
  if (candidate.type === 'snapshot') {
    const data = candidate.data as Record<string, unknown>
    if (!Array.isArray(data.channels)) return null
  } else if (candidate.type !== 'alert' && typeof candidate.channel !== 'string') {
    return null
  }
  return candidate as unknown as Envelope
}

export class LiveConnection {
  readonly status: Ref<LiveStatus> = ref('connecting')
  /** When the next attempt starts (ms since the epoch), while one is scheduled. */
  readonly retryAt: Ref<number | null> = ref(null)
  /** Failed attempts since the last snapshot; drives the backoff. */
  attempts = 0

  private socket: SocketLike | null = null
  private cancelRetry: (() => void) | null = null
  private closedByUser = false
  private everConnected = false
  private networkUp = true
  private socketOpen = false
  private visible: readonly string[] = []
  private readonly batcher: EnvelopeBatcher
  private readonly createSocket: (url: string) => SocketLike
  private readonly random: () => number
  private readonly now: () => number
  private readonly schedule: Schedule
  private readonly backoff: BackoffPolicy

  constructor(private readonly options: LiveOptions) {
    this.createSocket = options.createSocket ?? ((url) => new WebSocket(url))
    this.random = options.random ?? Math.random
    this.now = options.now ?? Date.now
    this.schedule = options.schedule ?? defaultSchedule
    this.backoff = options.backoff ?? DEFAULT_BACKOFF
    this.batcher = new EnvelopeBatcher(options.onBatch, options.batchMs ?? 250, this.schedule)
  }

  /** Connect now (also after an explicit close). */
  open(): void {
    this.closedByUser = false
    this.clearRetry()
    this.connect()
  }

  /** Close for good: no retry follows until `open()` is called again. */
  close(): void {
    this.closedByUser = true
    this.clearRetry()
    this.batcher.flush()
    this.batcher.dispose()
    this.dropSocket()
    this.status.value = 'offline'
  }

  /** The channels whose tiles are on screen now; sent at once when connected, else on open. */
  setVisible(slugs: readonly string[]): void {
    this.visible = [...slugs]
    this.sendVisible()
  }

  private sendVisible(): void {
    if (this.socket === null || !this.socketOpen) return
    try {
      this.socket.send(JSON.stringify({ type: 'visible', channels: this.visible }))
    } catch {
      // closing: the next connection sends it again
    }
  }

  /** The browser went offline/online: pause retrying while there is no network. */
  setNetworkAvailable(up: boolean): void {
    if (this.networkUp === up) return
    this.networkUp = up
    if (this.closedByUser) return
    if (!up) {
      this.clearRetry()
      if (this.socket === null) this.status.value = 'offline'
    } else if (this.socket === null) {
      this.connect()
    }
  }

  private connect(): void {
    this.dropSocket()
    if (!this.networkUp) {
      this.status.value = 'offline'
      return
    }
    this.status.value = this.everConnected ? 'reconnecting' : 'connecting'
    let socket: SocketLike
    try {
      socket = this.createSocket(this.options.url)
    } catch {
      this.scheduleRetry()
      return
    }
    this.socket = socket
    socket.onopen = () => {
      if (this.socket !== socket) return
      this.status.value = 'connected'
      this.everConnected = true
      this.retryAt.value = null
      this.socketOpen = true
      this.sendVisible()
    }
    socket.onmessage = (event: MessageEvent) => {
      if (this.socket !== socket) return
      for (const envelope of parseEnvelopes(event.data)) {
        if (envelope.type === 'snapshot') {
          this.attempts = 0
          this.status.value = 'connected'
        }
        this.batcher.push(envelope)
      }
    }
    socket.onerror = () => {
      // A close event always follows; the retry is scheduled there.
    }
    socket.onclose = (event: CloseEvent) => {
      if (this.socket !== socket) return
      const opened = this.socketOpen
      this.socket = null
      this.socketOpen = false
      this.batcher.flush()
      if (this.closedByUser) return
      if (event.code === CLOSE_POLICY_VIOLATION || event.code === CLOSE_CREDENTIAL_ENDED) {
        this.status.value = 'offline'
        this.options.onRefused?.(event.code)
        return
      }
      if (event.code === CLOSE_ROLE_CHANGED) {
        this.attempts = 0
        this.connect()
        return
      }
      if (!opened) this.options.onRefused?.(event.code)
      this.scheduleRetry()
    }
  }

  private scheduleRetry(): void {
    this.clearRetry()
    if (!this.networkUp) {
      this.status.value = 'offline'
      return
    }
    const delay = reconnectDelayMs(this.attempts, this.random, this.backoff)
    this.attempts += 1
    this.status.value = 'reconnecting'
    this.retryAt.value = this.now() + delay
    this.cancelRetry = this.schedule(() => {
      this.cancelRetry = null
      this.retryAt.value = null
      if (!this.closedByUser) this.connect()
    }, delay)
  }

  private clearRetry(): void {
    this.cancelRetry?.()
    this.cancelRetry = null
    this.retryAt.value = null
  }

  private dropSocket(): void {
    const socket = this.socket
    this.socket = null
    this.socketOpen = false
    if (socket === null) return
    socket.onopen = null
    socket.onmessage = null
    socket.onerror = null
    socket.onclose = null
    try {
      socket.close(1000, 'closed by the dashboard')
    } catch {
      // already closed
    }
  }
}

/** Route a batch to the stores that own each kind of envelope. */
export function dispatchEnvelopes(
  batch: readonly Envelope[],
  channels: ReturnType<typeof useChannelsStore>,
  alerts: ReturnType<typeof useAlertsStore>,
): void {
  channels.applyEnvelopes(batch)
  for (const envelope of batch) if (envelope.type === 'alert') alerts.applyChange(envelope.data)
}

/**
 * Open the dashboard's live connection for as long as the calling scope (component) lives.
 * Returns the `status` the header shows, `retryAt` for its countdown, and `open`/`close`.
 */
export function useLiveStatus(overrides: Partial<LiveOptions> = {}) {
  const channels = useChannelsStore()
  const alerts = useAlertsStore()
  const session = useSessionStore()
  const connection = new LiveConnection({
    url: liveEventsUrl(),
    onBatch: (batch) => dispatchEnvelopes(batch, channels, alerts),
    onRefused: () => {
      // Only a lapsed session sends the user to log in; a server that is down or refuses
      // for another reason (Origin) leaves them here, with the header saying offline.
      session
        .refresh()
        .then((user) => {
          if (user === null) reportUnauthorised()
        })
        .catch(() => undefined)
    },
    ...overrides,
  })
  const online = () => connection.setNetworkAvailable(true)
  const offline = () => connection.setNetworkAvailable(false)
  window.addEventListener('online', online)
  window.addEventListener('offline', offline)
  const stopVisible = watch(
    () => channels.visibleTiles,
    (slugs) => connection.setVisible(slugs),
    { immediate: true },
  )
  connection.open()
  if (getCurrentScope()) {
    onScopeDispose(() => {
      window.removeEventListener('online', online)
      window.removeEventListener('offline', offline)
      stopVisible()
      connection.close()
    })
  }
  return {
    status: connection.status,
    retryAt: connection.retryAt,
    open: () => connection.open(),
    close: () => connection.close(),
  }
}
