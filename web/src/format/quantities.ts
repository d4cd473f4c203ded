// Numbers as operators read them: bitrates, frame rates, durations, times.

export function formatBitrate(kbps: number | null | undefined): string {
  if (kbps === null || kbps === undefined || !Number.isFinite(kbps)) return '– kb/s'
  if (kbps >= 1000) return `${(kbps / 1000).toFixed(kbps >= 10_000 ? 0 : 1)} Mb/s`
  return `${Math.round(kbps)} kb/s`
}

export function formatFps(fps: number | null | undefined): string {
  if (fps === null || fps === undefined || !Number.isFinite(fps)) return '– fps'
  return `${fps >= 100 ? Math.round(fps) : Math.round(fps * 10) / 10} fps`
}

/** A compact duration: `42s`, `3m 05s`, `2h 04m`, `3d 2h`. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds))
  if (s < 60) return `${s}s`
  const m = Math.floor(s / 60)
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`
  const h = Math.floor(m / 60)
  if (h < 24) return `${h}h ${String(m % 60).padStart(2, '0')}m`
  return `${Math.floor(h / 24)}d ${h % 24}h`
}

/** Seconds from `isoSince` to `nowMs`, or null when the time cannot be read. */
export function secondsSince(isoSince: string | null | undefined, nowMs: number): number | null {
  if (!isoSince) return null
  const t = Date.parse(isoSince)
  return Number.isNaN(t) ? null : (nowMs - t) / 1000
}

export function formatClock(iso: string | null | undefined): string {
  if (!iso) return '–'
  const d = new Date(iso)
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString(undefined, { hour12: false })
}
