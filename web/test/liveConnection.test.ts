import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { effectScope } from 'vue'

import { setUnauthorisedHandler } from '@/api/client'
import type { Envelope } from '@/api/types'
import { LiveConnection, parseEnvelopes, useLiveStatus } from '@/composables/useLiveStatus'
import { useAlertsStore } from '@/stores/alerts'
import { useChannelsStore } from '@/stores/channels'
import { useSessionStore } from '@/stores/session'

import { makeChannel } from './support/channels'
import { FakeServer, json, problem } from './support/fakeServer'
import { socketFactory } from './support/fakeSocket'
import { ManualClock } from './support/manualClock'
import { WAIT_MS } from './support/waiting'

const policy = { baseMs: 1000, capMs: 30_000, jitter: 0.5 }

function setup(random = () => 0.5) {
  const clock = new ManualClock()
  const factory = socketFactory()
  const batches: Envelope[][] = []
  const connection = new LiveConnection({
    url: 'ws://example/api/v1/ws',
    onBatch: (b) => batches.push(b),
    createSocket: factory.create,
    random,
    now: clock.now,
    schedule: clock.schedule,
    backoff: policy,
    batchMs: 250,
  })
  return { clock, factory, batches, connection }
}

/** A connection that records the codes it reports to `onRefused`. */
function refusalSetup(random?: () => number) {
  const refused: number[] = []
  const clock = new ManualClock()
  const factory = socketFactory()
  const connection = new LiveConnection({
    url: 'ws://example/api/v1/ws',
    onBatch: () => undefined,
    createSocket: factory.create,
    random,
    now: clock.now,
    schedule: clock.schedule,
    backoff: policy,
    onRefused: (code) => refused.push(code),
  })
  return { refused, clock, factory, connection }
}

const snapshotMessage = { type: 'snapshot', channel: null, ts: 1, data: { channels: [makeChannel({ slug: 'a' })] } }

describe('LiveConnection', () => {
  it('says connecting until the socket opens, then connected', () => {
    const { factory, connection } = setup()
    connection.open()
    expect(factory.sockets).toHaveLength(1)
    expect(factory.last().url).toBe('ws://example/api/v1/ws')
    expect(connection.status.value).toBe('connecting')
    factory.last().serverOpens()
    expect(connection.status.value).toBe('connected')
  })

  it('sends the tiles on screen once open, on every change, and again after a reconnect', () => {
    const { clock, factory, connection } = setup()
    connection.setVisible(['a'])
    connection.open()
    expect(factory.last().sent).toEqual([])
    factory.last().serverOpens()
    expect(factory.last().sent.map((m) => JSON.parse(m))).toEqual([{ type: 'visible', channels: ['a'] }])
    connection.setVisible(['a', 'b'])
    expect(JSON.parse(factory.last().sent[1] ?? 'null')).toEqual({ type: 'visible', channels: ['a', 'b'] })
    factory.last().serverDrops()
    connection.setVisible(['c'])
    clock.advance(30_000)
    expect(factory.sockets).toHaveLength(2)
    factory.last().serverOpens()
    expect(factory.last().sent.map((m) => JSON.parse(m))).toEqual([{ type: 'visible', channels: ['c'] }])
  })

  it('hands the snapshot over at once and the deltas after the batch interval', () => {
    const { clock, factory, batches, connection } = setup()
    connection.open()
    factory.last().serverOpens()
    factory.last().serverSends(snapshotMessage)
    expect(batches).toHaveLength(1)
    expect(batches[0]?.[0]?.type).toBe('snapshot')
    factory.last().serverSends({ type: 'metrics', channel: 'a', ts: 2, data: { fps: 25 } })
    expect(batches).toHaveLength(1)
    clock.advance(250)
    expect(batches).toHaveLength(2)
    expect(batches[1]?.[0]?.type).toBe('metrics')
  })

  it('retries after a drop with the backoff delay and says when', () => {
    const { clock, factory, connection } = setup(() => 0.5)
    connection.open()
    factory.last().serverOpens()
    factory.last().serverDrops()
    expect(connection.status.value).toBe('reconnecting')
    // attempt 0: ceiling 1000 ms, half jitter, draw 0.5 -> 750 ms
    expect(connection.retryAt.value).toBe(clock.time + 750)
    clock.advance(749)
    expect(factory.sockets).toHaveLength(1)
    clock.advance(1)
    expect(factory.sockets).toHaveLength(2)
    expect(connection.status.value).toBe('reconnecting')
    factory.last().serverOpens()
    expect(connection.status.value).toBe('connected')
  })

  it('waits longer after each failed attempt, up to the cap', () => {
    const { clock, factory, connection } = setup(() => 0.999_999_9)
    connection.open()
    const waits: number[] = []
    for (let i = 0; i < 7; i += 1) {
      factory.last().serverDrops()
      const wait = (connection.retryAt.value ?? 0) - clock.time
      waits.push(wait)
      clock.advance(wait)
    }
    expect(waits).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000])
  })

  it('starts the backoff again from the bottom once a snapshot arrives', () => {
    const { clock, factory, connection } = setup(() => 0.999_999_9)
    connection.open()
    for (let i = 0; i < 3; i += 1) {
      factory.last().serverDrops()
      clock.advance(60_000)
    }
    expect(connection.attempts).toBe(3)
    factory.last().serverOpens()
    factory.last().serverSends(snapshotMessage)
    expect(connection.attempts).toBe(0)
    factory.last().serverDrops()
    expect((connection.retryAt.value ?? 0) - clock.time).toBe(1000)
  })

  it('never reconnects after an explicit close', () => {
    const { clock, factory, connection } = setup()
    connection.open()
    factory.last().serverOpens()
    connection.close()
    expect(factory.last().closedByClient).toBe(true)
    expect(connection.status.value).toBe('offline')
    factory.last().serverDrops()
    clock.advance(120_000)
    expect(factory.sockets).toHaveLength(1)
    expect(connection.status.value).toBe('offline')
  })

  it('cancels a scheduled retry when closed while waiting', () => {
    const { clock, factory, connection } = setup()
    connection.open()
    factory.last().serverDrops()
    expect(connection.retryAt.value).not.toBeNull()
    connection.close()
    expect(connection.retryAt.value).toBeNull()
    clock.advance(120_000)
    expect(factory.sockets).toHaveLength(1)
  })

  it('pauses while the browser is offline and connects as soon as it is back', () => {
    const { clock, factory, connection } = setup()
    connection.open()
    factory.last().serverOpens()
    connection.setNetworkAvailable(false)
    factory.last().serverDrops()
    expect(connection.status.value).toBe('offline')
    clock.advance(120_000)
    expect(factory.sockets).toHaveLength(1)
    connection.setNetworkAvailable(true)
    expect(factory.sockets).toHaveLength(2)
    expect(connection.status.value).toBe('reconnecting')
  })

  it('ignores messages that are not envelopes', () => {
    const { clock, factory, batches, connection } = setup()
    connection.open()
    factory.last().serverOpens()
    factory.last().serverSends('not json')
    factory.last().serverSends({ type: 'mystery', channel: 'a', ts: 1, data: {} })
    factory.last().serverSends({ type: 'metrics', channel: null, ts: 1, data: {} })
    clock.advance(1000)
    expect(batches).toHaveLength(0)
  })

  it('hands over every envelope of a metrics frame that holds an array', () => {
    const { clock, factory, batches, connection } = setup()
    connection.open()
    factory.last().serverOpens()
    factory.last().serverSends(snapshotMessage)
    factory.last().serverSends([
      { type: 'metrics', channel: 'a', ts: 2, data: { fps: 25 } },
      { type: 'metrics', channel: 'b', ts: 2, data: { fps: 50 } },
    ])
    clock.advance(250)
    expect(batches).toHaveLength(2)
    expect(batches[1]?.map((e) => [e.type, e.channel])).toEqual([
      ['metrics', 'a'],
      ['metrics', 'b'],
    ])
  })

  it('ignores a socket it has already replaced', () => {
    const { clock, factory, batches, connection } = setup()
    connection.open()
    const first = factory.last()
    first.serverDrops()
    clock.advance(60_000)
    first.serverSends(snapshotMessage)
    first.serverDrops()
    expect(batches).toHaveLength(0)
    expect(factory.sockets).toHaveLength(2)
  })

  // 1008: refused by policy; 4401: the session or token ended while the socket was open.
  it.each([1008, 4401])('does not retry after the server closes with %i, and says why', (code) => {
    const { refused, clock, factory, connection } = refusalSetup()
    connection.open()
    factory.last().serverOpens()
    factory.last().serverCloses(code)
    clock.advance(120_000)
    expect(factory.sockets).toHaveLength(1)
    expect(connection.status.value).toBe('offline')
    expect(connection.retryAt.value).toBeNull()
    expect(refused).toEqual([code])
  })

  it('reconnects at once when the server says the role changed (4403)', () => {
    const { refused, factory, connection } = refusalSetup()
    connection.open()
    factory.last().serverOpens()
    factory.last().serverCloses(4403)
    expect(factory.sockets).toHaveLength(2)
    expect(connection.status.value).toBe('reconnecting')
    expect(refused).toEqual([])
  })

  it('asks about a socket closed before it opened, and about no drop after it opened', () => {
    const { refused, clock, factory, connection } = refusalSetup(() => 0.5)
    connection.open()
    factory.last().serverCloses(1006)
    expect(refused).toEqual([1006])
    expect(connection.status.value).toBe('reconnecting')
    clock.advance(30_000)
    expect(factory.sockets).toHaveLength(2)
    factory.last().serverOpens()
    factory.last().serverDrops()
    expect(refused).toEqual([1006])
  })
})

describe('parseEnvelopes', () => {
  it('accepts an alert envelope without a channel', () => {
    const alert = { type: 'alert', channel: null, ts: 3, data: { change: 'opened', alert: {} } }
    expect(parseEnvelopes(JSON.stringify(alert))).toEqual([alert])
  })

  it('refuses a snapshot without a channel list', () => {
    expect(parseEnvelopes(JSON.stringify({ type: 'snapshot', channel: null, ts: 1, data: {} }))).toEqual([])
  })

  it('returns each envelope of an array frame in order', () => {
    const a = { type: 'metrics', channel: 'a', ts: 4, data: { fps: 25 } }
    const b = { type: 'metrics', channel: 'b', ts: 4, data: { fps: 50 } }
    expect(parseEnvelopes(JSON.stringify([a, b]))).toEqual([a, b])
  })

  it('leaves out the elements of an array frame it does not know and keeps the rest', () => {
    const a = { type: 'metrics', channel: 'a', ts: 4, data: { fps: 25 } }
    const frame = [{ type: 'mystery', channel: 'a', ts: 4, data: {} }, a, [a], null, 7]
    expect(parseEnvelopes(JSON.stringify(frame))).toEqual([a])
  })

  it('finds nothing in an empty array, a non-string or broken JSON', () => {
    expect(parseEnvelopes('[]')).toEqual([])
    expect(parseEnvelopes(new ArrayBuffer(4))).toEqual([])
    expect(parseEnvelopes('[{"type":')).toEqual([])
  })
})

describe('useLiveStatus', () => {
  beforeEach(() => setActivePinia(createPinia()))

  it('feeds snapshots and deltas to the stores and closes the socket when its scope ends', () => {
    const clock = new ManualClock()
    const factory = socketFactory()
    const scope = effectScope()
    const live = scope.run(() =>
      useLiveStatus({ createSocket: factory.create, schedule: clock.schedule, now: clock.now, batchMs: 250 }),
    )
    const channels = useChannelsStore()
    const alerts = useAlertsStore()
    expect(factory.last().url).toMatch(/^ws:\/\/.*\/api\/v1\/ws$/)
    factory.last().serverOpens()
    factory.last().serverSends(snapshotMessage)
    expect(channels.channels.map((c) => c.slug)).toEqual(['a'])
    factory.last().serverSends({
      type: 'alert',
      channel: 'a',
      ts: 2,
      data: {
        change: 'opened',
        alert: {
          id: 9,
          channel_id: 1,
          channel: 'a',
          rule: 'offline',
          severity: 'critical',
          state: 'open',
          summary: 'a is offline',
          started_at: '2026-11-24T19:00:00Z',
          ended_at: null,
          duration_s: 12,
          acknowledged_by: null,
          acknowledged_at: null,
          notified: true,
          data: {},
        },
      },
    })
    clock.advance(250)
    expect(alerts.openCount).toBe(1)
    expect(live?.status.value).toBe('connected')
    scope.stop()
    expect(factory.last().closedByClient).toBe(true)
    expect(live?.status.value).toBe('offline')
    factory.last().serverDrops()
    clock.advance(120_000)
    expect(factory.sockets).toHaveLength(1)
  })

  it.each([1008, 4401])('goes to the login page when the socket is closed with %i and the session has lapsed', async (code) => {
    const server = new FakeServer().on('GET /api/v1/auth/me', problem(401, 'Not authenticated')).install()
    let reported = 0
    setUnauthorisedHandler(() => (reported += 1))
    try {
      const clock = new ManualClock()
      const factory = socketFactory()
      const session = useSessionStore()
      session.user = { id: 1, username: 'admin', role: 'admin', via: 'session' }
      const scope = effectScope()
      scope.run(() => useLiveStatus({ createSocket: factory.create, schedule: clock.schedule, now: clock.now }))
      factory.last().serverOpens()
      factory.last().serverCloses(code)
      await vi.waitFor(() => expect(reported).toBe(1), WAIT_MS)
      expect(session.user).toBeNull()
      expect(server.seen('GET /api/v1/auth/me')).toHaveLength(1)
      clock.advance(120_000)
      expect(factory.sockets).toHaveLength(1)
      scope.stop()
    } finally {
      setUnauthorisedHandler(null)
      vi.unstubAllGlobals()
    }
  })

  it('stays (offline, no login page) when the socket is refused but the session is valid', async () => {
    const server = new FakeServer()
      .on('GET /api/v1/auth/me', json({ id: 1, username: 'admin', role: 'admin', via: 'session' }))
      .install()
    let reported = 0
    setUnauthorisedHandler(() => (reported += 1))
    try {
      const factory = socketFactory()
      const clock = new ManualClock()
      const scope = effectScope()
      const live = scope.run(() => useLiveStatus({ createSocket: factory.create, schedule: clock.schedule, now: clock.now }))
      factory.last().serverOpens()
      factory.last().serverCloses(1008)
      await vi.waitFor(() => expect(server.seen('GET /api/v1/auth/me')).toHaveLength(1), WAIT_MS)
      await new Promise((resolve) => setTimeout(resolve, 0))
      expect(reported).toBe(0)
      expect(useSessionStore().user?.username).toBe('admin')
      expect(live?.status.value).toBe('offline')
      scope.stop()
    } finally {
      setUnauthorisedHandler(null)
      vi.unstubAllGlobals()
    }
  })
})
