// Channel bodies as the API sends them, with only what a test cares about spelled out.

import type { Channel, Status } from '@/api/types'

let nextId = 1

export function makeChannel(overrides: Partial<Channel> & { status?: Status } = {}): Channel {
  const id = overrides.id ?? nextId++
  const slug = overrides.slug ?? `ch-${id}`
  const { status, ...rest } = overrides
  return {
    id,
    slug,
    name: `Channel ${id}`,
    tags: [],
    enabled: true,
    input_url: `udp://239.0.0.${id}:1234`,
    backup_url: null,
    ingest_mode: 'pull',
    listen_port: null,
    passphrase: null,
    publish_url: null,
    stream_key: null,
    profile: 'copy',
    hls: { segment_seconds: null, list_size: null },
    recording: false,
    retention_days: 7,
    retention_bytes: null,
    thumbnail_interval_s: 10,
    offline_grace_s: 10,
    content_checks: [],
    created_at: '2026-11-24T19:00:00Z',
    updated_at: '2026-11-24T19:00:00Z',
    state: {
      status: status ?? 'online',
      since: '2026-11-24T19:00:00Z',
      reason: '',
      pid: 100 + id,
      restarts: 0,
      source: 'primary',
      metrics: { fps: 25, bitrate_kbps: 3000 },
    },
    media_info: null,
    urls: { hls: `/hls/${slug}/index.m3u8`, thumbnail: `/thumbs/${slug}.jpg` },
    ...rest,
  }
}
