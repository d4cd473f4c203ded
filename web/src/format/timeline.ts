// The recordings timeline's arithmetic: a view is a span of time drawn across the track's
// width; ranges become bars, a point on the track becomes a moment. Pure functions, so the
// component only draws and the tests check the numbers.

export const DAY_MS = 24 * 3600 * 1000
/** The narrowest view: below a few minutes a bar is wider than anything it could show. */
export const MIN_VIEW_MS = 5 * 60 * 1000
/** Each zoom step halves (or doubles) the span shown. */
export const ZOOM_FACTOR = 2

export interface View {
  start: number
  end: number
}

export interface Bar {
  left: number
  width: number
}

/** Local midnight of the day holding `ms`. */
export function dayStart(ms: number): number {
  const d = new Date(ms)
  d.setHours(0, 0, 0, 0)
  return d.getTime()
}

/** The whole local day holding `ms`. */
export function dayView(ms: number): View {
  const start = dayStart(ms)
  return { start, end: start + DAY_MS }
}

/** Where [from, to] lies on the view, in percent of the track; null when it is outside. */
export function barOf(view: View, from: number, to: number): Bar | null {
  const span = view.end - view.start
  const a = Math.max(from, view.start)
  const b = Math.min(to, view.end)
  if (b <= a) return null
  return { left: ((a - view.start) / span) * 100, width: Math.max(((b - a) / span) * 100, 0.15) }
}

/** The moment at `fraction` (0–1) of the track. */
export function momentAt(view: View, fraction: number): number {
  const f = Math.min(1, Math.max(0, fraction))
  return Math.round(view.start + f * (view.end - view.start))
}

/** Zoom by `factor` (>1 narrows) around `centre`, kept inside `bounds`. */
export function zoom(view: View, factor: number, centre: number, bounds: View): View {
  const full = bounds.end - bounds.start
  const span = Math.min(full, Math.max(MIN_VIEW_MS, (view.end - view.start) / factor))
  let start = centre - span / 2
  start = Math.min(Math.max(start, bounds.start), bounds.end - span)
  return { start: Math.round(start), end: Math.round(start + span) }
}

/** Move the view by `fraction` of its span, kept inside `bounds`. */
export function pan(view: View, fraction: number, bounds: View): View {
  const span = view.end - view.start
  let start = view.start + fraction * span
  start = Math.min(Math.max(start, bounds.start), bounds.end - span)
  return { start: Math.round(start), end: Math.round(start + span) }
}

/** Tick marks for the view: round local times, about `target` of them. */
export function ticks(view: View, target = 6): number[] {
  const steps = [60_000, 300_000, 600_000, 900_000, 1_800_000, 3_600_000, 7_200_000, 10_800_000, 21_600_000]
  const span = view.end - view.start
  const step = steps.find((s) => span / s <= target) ?? steps[steps.length - 1]!
  const offset = new Date(view.start).getTimezoneOffset() * 60_000
  const first = Math.ceil((view.start - offset) / step) * step + offset
  const out: number[] = []
  for (let t = first; t <= view.end; t += step) out.push(t)
  return out
}

/** `HH:MM` (or `HH:MM:SS` when `seconds`) in local time. */
export function clock(ms: number, seconds = false): string {
  const d = new Date(ms)
  const pad = (n: number): string => String(n).padStart(2, '0')
  const hm = `${pad(d.getHours())}:${pad(d.getMinutes())}`
  return seconds ? `${hm}:${pad(d.getSeconds())}` : hm
}

/** The value of an `<input type="datetime-local" step="1">` for `ms` (local time). */
export function toLocalInput(ms: number): string {
  const d = new Date(ms)
  const pad = (n: number): string => String(n).padStart(2, '0')
  return (
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}` +
    `T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`
  )
}

/** Milliseconds from an `<input type="datetime-local">` value (local time); null if empty or bad. */
export function fromLocalInput(value: string): number | null {
  if (!value) return null
  const ms = new Date(value).getTime()
  return Number.isNaN(ms) ? null : ms
}

/**
 * The archive playlist for the span from `from` (to `to`, or growing to live without it), next
 * to the live playlist `liveUrl` so that a signed live URL signs it too
 * (`…/<slug>/index.m3u8` → `…/<slug>/archive.m3u8?from=…`).
 */
export function archiveUrl(liveUrl: string, from: number, to?: number): string {
  const base = liveUrl.replace(/[^/?#]*(\?[^#]*)?(#.*)?$/, '')
  const params = new URLSearchParams({ from: new Date(from).toISOString() })
  if (to !== undefined) params.set('to', new Date(to).toISOString())
  return `${base}archive.m3u8?${params.toString()}`
}

export interface Span {
  from: number
  to: number
}

/** How far before a range's end a click past it starts playing (the newest recording). */
export const PAST_END_LEAD_MS = 30_000

/**
 * Where a click at `t` starts playing, given the recorded `ranges` (oldest first): `t` itself
 * inside a range; the next range's start in a gap; past the last range, shortly before its
 * end; null with nothing recorded.
 */
export function playableMoment(ranges: readonly Span[], t: number): number | null {
  for (const r of ranges) {
    if (t < r.from) return r.from
    if (t <= r.to) return t
  }
  const last = ranges[ranges.length - 1]
  return last ? Math.max(last.from, last.to - PAST_END_LEAD_MS) : null
}

/** The point a zoom centres on: the selection's middle, else the newest recording in view. */
export function zoomCentre(view: View, ranges: readonly Span[], selection: Span | null): number {
  if (selection) return (selection.from + selection.to) / 2
  const last = ranges[ranges.length - 1]
  if (last && last.to > view.start && last.to <= view.end) return last.to
  return (view.start + view.end) / 2
}
