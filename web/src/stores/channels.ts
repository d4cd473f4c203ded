// Every channel the dashboard knows, keyed by slug, kept current by the live envelopes.
//
// A channel object keeps its identity while it lives, and a metrics envelope replaces only
// `state.metrics`, so a tile re-renders for its own channel and the wall's list (which reads
// names, tags and statuses) is not recomputed for metrics.

import { defineStore } from 'pinia'
import { computed, reactive, ref, shallowRef } from 'vue'

import { listChannels } from '@/api/client'
import type { Channel, ContentCheck, Envelope, MediaInfo, Metrics, Status, StatusData } from '@/api/types'
import { STATUSES } from '@/api/types'

import { MetricsHistory } from './metricsHistory'

/** Shared so that a channel without alarms always passes the same (unchanged) prop. */
const NO_ALARMS: readonly ContentCheck[] = Object.freeze([])

/** Pictures per channel whose time is remembered (the one shown, the one loading, a spare). */
const PICTURES_KEPT = 3

/** Samples kept for the open channel's charts: 10 minutes at one a second. */
const HISTORY_CAPACITY = 600

export const useChannelsStore = defineStore('channels', () => {

  const bySlug = reactive(new Map<string, Channel>())
  /** The thumbnail URL each tile shows (with a `?v=` that changes when a new one is written). */
  const thumbnails = reactive(new Map<string, string>())
  /** When the server took each channel's latest pictures (unix seconds, server clock), by URL:
   * the newest few, so the one still on screen while the next loads is found too. */
  const pictureTimes = new Map<string, { url: string; takenAt: number }[]>()
  /** The slugs whose tiles are on screen (the wall keeps it; the live connection sends it). */
  const visibleTiles = ref<readonly string[]>([])
  /** Content alarms that have started and not ended (black, freeze, silence). */
  const contentAlarms = reactive(new Map<string, ContentCheck[]>())
  /** True once a snapshot (or a list) has filled the store. */
  const loaded = ref(false)

  /** Server time (envelope `ts`) of each channel's latest metrics; not reactive on purpose. */
  const lastMetricsAt = new Map<string, number>()
  /** Server clock minus this browser's clock, in seconds, from the latest metrics envelope. */
  let clockOffsetS = 0

  const history = shallowRef<MetricsHistory | null>(null)
  const historySlug = ref<string | null>(null)
  /** Bumped once per batch that added samples, so charts know to redraw. */
  const historyVersion = ref(0)

  const channels = computed(() => [...bySlug.values()])

  const counts = computed(() => {
    const out = Object.fromEntries(STATUSES.map((s) => [s, 0])) as Record<Status, number>
    for (const channel of bySlug.values()) out[channel.state.status] += 1
    return out
  })

  const tags = computed(() => {
    const all = new Set<string>()
    for (const channel of bySlug.values()) for (const tag of channel.tags) all.add(tag)
    return [...all].sort((a, b) => a.localeCompare(b))
  })

  function bySlugOrNull(slug: string): Channel | null {
    return bySlug.get(slug) ?? null
  }

  function byId(id: number): Channel | null {
    for (const channel of bySlug.values()) if (channel.id === id) return channel
    return null
  }

  function thumbnailOf(slug: string): string | null {
    return thumbnails.get(slug) ?? null
  }

  /** When the picture at `url` was taken (server unix seconds), or null when not known (a
   * picture from before this page listened). */
  function pictureTakenAt(slug: string, url: string | null): number | null {
    if (url === null) return null
    return pictureTimes.get(slug)?.find((p) => p.url === url)?.takenAt ?? null
  }

  function notePicture(slug: string, url: string, takenAt: number | undefined): void {
    if (takenAt === undefined || !Number.isFinite(takenAt)) return
    const recent = [{ url, takenAt }, ...(pictureTimes.get(slug) ?? [])].slice(0, PICTURES_KEPT)
    pictureTimes.set(slug, recent)
  }

  /** The tiles on screen now; a new list only when it differs (each one is sent). */
  function setVisibleTiles(slugs: Iterable<string>): void {
    const next = [...new Set(slugs)].sort()
    const current = visibleTiles.value
    if (next.length === current.length && next.every((s, i) => s === current[i])) return
    visibleTiles.value = next
  }

  function alarmsOf(slug: string): readonly ContentCheck[] {
    return contentAlarms.get(slug) ?? NO_ALARMS
  }

  /** Insert or refresh one channel from a full `Channel` body (REST answer or envelope). */
  function upsert(body: Channel, version?: number): Channel {
    const existing = bySlug.get(body.slug)
    if (existing && existing.id !== body.id) bySlug.delete(body.slug)
    const previous = existing && existing.id === body.id ? existing : byId(body.id)
    if (previous && previous.slug !== body.slug) {
      bySlug.delete(previous.slug)
      thumbnails.delete(previous.slug)
      contentAlarms.delete(previous.slug)
    }
    let channel: Channel
    if (previous) {
      Object.assign(previous, body)
      channel = previous
      bySlug.set(body.slug, channel)
    } else {
      bySlug.set(body.slug, body)
      channel = bySlug.get(body.slug) as Channel
    }
    if (!thumbnails.has(body.slug) && body.urls?.thumbnail) {
      const v = version ?? Date.parse(body.updated_at ?? '') / 1000
      thumbnails.set(body.slug, withVersion(body.urls.thumbnail, Number.isFinite(v) ? v : 0))
    }
    return channel
  }

  function remove(slug: string, id?: number): void {
    const channel = bySlug.get(slug) ?? (id === undefined ? null : byId(id))
    if (!channel) return
    bySlug.delete(channel.slug)
    thumbnails.delete(channel.slug)
    pictureTimes.delete(channel.slug)
    contentAlarms.delete(channel.slug)
  }

  /** Replace the whole set (a snapshot after connecting, or a full list). */
  function replaceAll(list: Channel[], version?: number): void {
    const keep = new Set(list.map((c) => c.slug))
    for (const slug of [...bySlug.keys()]) if (!keep.has(slug)) remove(slug)
    for (const body of list) {
      upsert(body, version)
      // Thumbnails may have changed while disconnected: ask for them again (tiles swap on load).
      if (version !== undefined && body.urls?.thumbnail) {
        thumbnails.set(body.slug, withVersion(body.urls.thumbnail, version))
      }
    }
    loaded.value = true
  }

  function applyStatus(channel: Channel, data: StatusData): void {
    const state = channel.state
    state.status = data.status
    state.since = data.since
    state.reason = data.reason ?? ''
    if (data.source !== undefined) state.source = data.source
    if (data.restarts !== undefined) state.restarts = data.restarts
    if (data.status === 'stopped' || data.status === 'offline' || data.status === 'error') {
      state.metrics = { ...state.metrics, fps: null, bitrate_kbps: null }
    }
  }

  function applyMetrics(channel: Channel, data: Metrics, ts: number): boolean {
    channel.state.metrics = data
    lastMetricsAt.set(channel.slug, ts)
    clockOffsetS = ts - Date.now() / 1000
    if (history.value && historySlug.value === channel.slug) {
      history.value.push(ts, data.bitrate_kbps, data.fps)
      return true
    }
    return false
  }

  function applyContent(slug: string, check: ContentCheck, state: 'start' | 'end'): void {
    const active = new Set(contentAlarms.get(slug) ?? [])
    if (state === 'start') active.add(check)
    else active.delete(check)
    if (active.size === 0) contentAlarms.delete(slug)
    else contentAlarms.set(slug, [...active].sort())
  }

  /** Apply one batch of envelopes in order (the live connection delivers coalesced batches). */
  function applyEnvelopes(batch: readonly Envelope[]): void {
    let sampled = false
    for (const envelope of batch) {
      if (envelope.type === 'snapshot') {
        replaceAll(envelope.data.channels, envelope.ts)
        continue
      }
      if (envelope.type === 'channel_created' || envelope.type === 'channel_updated') {
        upsert(envelope.data, envelope.ts)
        continue
      }
      if (envelope.type === 'channel_deleted') {
        remove(envelope.channel, envelope.data.id)
        continue
      }
      if (envelope.type === 'alert' || envelope.channel === null) continue
      const channel = bySlug.get(envelope.channel)
      if (!channel) continue
      switch (envelope.type) {
        case 'status':
          applyStatus(channel, envelope.data)
          break
        case 'metrics':
          sampled = applyMetrics(channel, envelope.data, envelope.ts) || sampled
          break
        case 'media_info':
          channel.media_info = envelope.data as MediaInfo
          break
        case 'thumbnail':
          notePicture(channel.slug, envelope.data.url, envelope.data.taken_at)
          thumbnails.set(channel.slug, envelope.data.url)
          break
        case 'content':
          applyContent(channel.slug, envelope.data.check, envelope.data.state)
          break
      }
    }
    if (sampled) historyVersion.value += 1
  }

  /** Start keeping chart samples for `slug` (only the open channel keeps a history). */
  function trackHistory(slug: string): MetricsHistory {
    if (historySlug.value !== slug || history.value === null) {
      const fresh = new MetricsHistory(HISTORY_CAPACITY)
      // Start the charts from the last known sample rather than from an empty frame.
      const metrics = bySlug.get(slug)?.state.metrics
      const at = lastMetricsAt.get(slug)
      if (metrics && at !== undefined) fresh.push(at, metrics.bitrate_kbps, metrics.fps)
      history.value = fresh
      historySlug.value = slug
      historyVersion.value += 1
    }
    return history.value
  }

  /** Seconds to add to this browser's clock to get the server's (charts use server time). */
  function clockOffset(): number {
    return clockOffsetS
  }

  function untrackHistory(slug?: string): void {
    if (slug !== undefined && historySlug.value !== slug) return
    history.value = null
    historySlug.value = null
  }

  /** Fill the store from the REST API (when the live snapshot has not arrived yet). */
  async function loadAll(): Promise<void> {
    const page = await listChannels({ limit: 500 })
    if (!loaded.value) replaceAll(page.items)
  }

  return {
    loaded,
    loadAll,
    channels,
    counts,
    tags,
    history,
    historySlug,
    historyVersion,
    bySlug: bySlugOrNull,
    byId,
    thumbnailOf,
    pictureTakenAt,
    visibleTiles,
    setVisibleTiles,
    alarmsOf,
    upsert,
    remove,
    replaceAll,
    applyEnvelopes,
    trackHistory,
    untrackHistory,
    clockOffset,
  }
})

function withVersion(url: string, version: number): string {
  const sep = url.includes('?') ? '&' : '?'
  return `${url}${sep}v=${Math.floor(version)}`
}
