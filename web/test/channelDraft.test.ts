import { describe, expect, it } from 'vitest'

import {
  draftFromChannel,
  draftToCreate,
  emptyDraft,
  errorsByField,
  formFieldOf,
  parseTags,
  patchBetween,
} from '@/forms/channelDraft'

import { makeChannel } from './support/channels'

describe('channel draft', () => {
  it('sends no source URLs for an RTMP push channel: the server derives its input', () => {
    const draft = { ...emptyDraft(), name: 'Cam', ingest_mode: 'push_rtmp' as const, input_url: 'udp://x:1', backup_url: 'udp://y:2' }
    const body = draftToCreate(draft)
    expect(body.ingest_mode).toBe('push_rtmp')
    expect(body.input_url).toBeNull()
    expect(body.backup_url).toBeNull()
    expect(body.passphrase).toBeNull()
  })

  it('turns a filled-in form into a ChannelCreate with every field', () => {
    const draft = {
      ...emptyDraft(),
      name: ' News HD ',
      tags: 'news, hd',
      input_url: ' udp://239.0.0.1:1234 ',
      backup_url: 'udp://239.0.0.2:1234',
      profile: '720p',
      segment_seconds: '2',
      list_size: '',
      recording: true,
      retention_days: '3',
      content_checks: ['black' as const],
    }
    expect(draftToCreate(draft)).toEqual({
      name: 'News HD',
      tags: ['news', 'hd'],
      enabled: true,
      input_url: 'udp://239.0.0.1:1234',
      backup_url: 'udp://239.0.0.2:1234',
      ingest_mode: 'pull',
      listen_port: null,
      passphrase: null,
      profile: '720p',
      hls: { segment_seconds: 2, list_size: null },
      recording: true,
      retention_days: 3,
      thumbnail_interval_s: 10,
      offline_grace_s: 10,
      content_checks: ['black'],
    })
  })

  it('sends the slug only when one was typed', () => {
    expect(draftToCreate({ ...emptyDraft(), name: 'x', slug: '' })).not.toHaveProperty('slug')
    expect(draftToCreate({ ...emptyDraft(), name: 'x', slug: 'my-x' }).slug).toBe('my-x')
  })

  it('sends the listen port and passphrase only for SRT push channels', () => {
    const pull = draftToCreate({ ...emptyDraft(), listen_port: '9000', passphrase: 'secretsecret' })
    expect(pull.listen_port).toBeNull()
    expect(pull.passphrase).toBeNull()
    const push = draftToCreate({ ...emptyDraft(), ingest_mode: 'listen_srt', listen_port: '9000', passphrase: 'secretsecret' })
    expect(push.listen_port).toBe(9000)
    expect(push.passphrase).toBe('secretsecret')
  })

  it('sends a number that does not parse as typed so the server names the field', () => {
    expect(draftToCreate({ ...emptyDraft(), retention_days: 'soon' }).retention_days).toBe('soon')
  })

  it('round-trips a channel through the form unchanged', () => {
    const channel = makeChannel({ tags: ['a', 'b'], content_checks: ['freeze'], hls: { segment_seconds: 4, list_size: 6 } })
    const body = draftToCreate(draftFromChannel(channel))
    expect(body.tags).toEqual(['a', 'b'])
    expect(body.hls).toEqual({ segment_seconds: 4, list_size: 6 })
    expect(body.content_checks).toEqual(['freeze'])
    expect(body.slug).toBe(channel.slug)
  })

  it('edits the source secrets in full when the source was fetched', () => {
    const channel = makeChannel({ input_url: 'rtsp://***@cam/live', backup_url: null })
    const source = { input_url: 'rtsp://u:pw@cam/live', backup_url: 'srt://b?passphrase=p', passphrase: null, publish_url: null }
    const draft = draftFromChannel(channel, source)
    expect(draft.input_url).toBe('rtsp://u:pw@cam/live')
    expect(draft.backup_url).toBe('srt://b?passphrase=p')
    expect(draftFromChannel(channel).input_url).toBe('rtsp://***@cam/live')
  })

  it('patches only what the operator changed', () => {
    const before = draftFromChannel(makeChannel({ name: 'A', tags: ['x'] }))
    const after = { ...before, name: 'B', tags: 'x, y' }
    expect(patchBetween(before, after)).toEqual({ name: 'B', tags: ['x', 'y'] })
    expect(patchBetween(before, { ...before })).toEqual({})
  })

  it('splits tags on commas and drops empty ones', () => {
    expect(parseTags(' news, hd ,, sport ')).toEqual(['news', 'hd', 'sport'])
  })

  it('maps API error paths to the form field that shows them', () => {
    expect(formFieldOf('input_url')).toBe('input_url')
    expect(formFieldOf('tags.2')).toBe('tags')
    expect(formFieldOf('hls.segment_seconds')).toBe('hls.segment_seconds')
    expect(formFieldOf('body.hls.list_size')).toBe('hls.list_size')
  })

  it('collects errors no field shows under the empty key', () => {
    expect(errorsByField({ input_url: 'bad', 'tags.1': 'too long', mystery: 'odd' })).toEqual({
      input_url: 'bad',
      tags: 'too long',
      '': 'odd',
    })
  })
})
