// A fleet's API node answers 202 with a command when its worker has not finished yet: the
// client follows the command's Location and gives the caller the answer of a quick worker.

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'

import { channelAction, getChannelLog, probeSource } from '@/api/client'
import { ApiError } from '@/api/problem'

import { FakeServer, json } from './support/fakeServer'

const ID = '0b6f3c8e-1d2a-4c1e-9a53-1f6a8d0e2b7c'
const LOCATION = { Location: `/api/v1/commands/${ID}` }

function command(action: string, state: string, result: Record<string, unknown> | null = null) {
  return { id: ID, action, channel_id: 3, state, created_at: '2026-12-04T10:00:00Z', finished_at: null, error: null, result }
}

describe('fleet commands', () => {
  let server: FakeServer

  beforeEach(() => {
    server = new FakeServer().install()
    vi.useFakeTimers({ toFake: ['setTimeout', 'Date'] })
  })

  afterEach(() => {
    vi.useRealTimers()
    vi.unstubAllGlobals()
  })

  it('returns a quick answer as it is', async () => {
    server.on('GET /api/v1/channels/3/log', json({ lines: ['a', 'b'] }))
    expect(await getChannelLog(3)).toEqual({ lines: ['a', 'b'] })
  })

  it('follows a pending log tail to its lines', async () => {
    let reads = 0
    server
      .on('GET /api/v1/channels/3/log', json(command('log_tail', 'pending'), 202, LOCATION))
      .on(`GET /api/v1/commands/${ID}`, () =>
        (reads += 1) < 2 ? json(command('log_tail', 'pending')) : json(command('log_tail', 'done', { lines: ['x'] })),
      )
    const answer = getChannelLog(3)
    await vi.runAllTimersAsync()
    expect(await answer).toEqual({ lines: ['x'] })
    expect(server.seen(`GET /api/v1/commands/${ID}`)).toHaveLength(2)
  })

  it('reads the channel again once a pending restart is done', async () => {
    server
      .on('POST /api/v1/channels/3/restart', json(command('restart', 'pending'), 202, LOCATION))
      .on(`GET /api/v1/commands/${ID}`, json(command('restart', 'done')))
      .on('GET /api/v1/channels/3', json({ id: 3, name: 'News' }))
    expect(await channelAction(3, 'restart')).toEqual({ id: 3, name: 'News' })
  })

  it('gives a probe report from the command result', async () => {
    const report = { ok: true, format: 'mpegts', bitrate_kbps: null, streams: [], error: null }
    server
      .on('POST /api/v1/probe', json(command('probe', 'pending'), 202, LOCATION))
      .on(`GET /api/v1/commands/${ID}`, json(command('probe', 'done', { report })))
    expect(await probeSource('udp://127.0.0.1:5000')).toEqual(report)
  })

  it('fails with the reason when the command failed or expired', async () => {
    server
      .on('GET /api/v1/channels/3/log', json(command('log_tail', 'pending'), 202, LOCATION))
      .on(`GET /api/v1/commands/${ID}`, json({ ...command('log_tail', 'failed'), error: 'gone' }))
    await expect(getChannelLog(3)).rejects.toMatchObject({ status: 409, detail: 'The log_tail failed: gone.' })
  })

  it('gives up on a command still pending after the follow limit', async () => {
    server
      .on('POST /api/v1/channels/3/start', json(command('start', 'pending'), 202, LOCATION))
      .on(`GET /api/v1/commands/${ID}`, json(command('start', 'pending')))
    const answer = channelAction(3, 'start').catch((err: unknown) => err)
    await vi.runAllTimersAsync()
    const err = await answer
    expect(err).toBeInstanceOf(ApiError)
    expect((err as ApiError).status).toBe(504)
  })
})
