// A fixed-size ring of (time, bitrate, fps) samples for the charts of the open channel.

export type Series = [times: number[], bitrate: (number | null)[], fps: (number | null)[]]

export class MetricsHistory {
  private readonly times: Float64Array
  private readonly bitrate: (number | null)[]
  private readonly fps: (number | null)[]
  private start = 0
  private count = 0

  constructor(readonly capacity = 600) {
    this.times = new Float64Array(capacity)
    this.bitrate = new Array<number | null>(capacity).fill(null)
    this.fps = new Array<number | null>(capacity).fill(null)
  }

  /** Add a sample at `t` (seconds since the epoch); older than the newest sample is ignored. */
  push(t: number, bitrateKbps: number | null | undefined, fps: number | null | undefined): void {
    if (this.count > 0 && t < this.newest()) return
    const slot = (this.start + this.count) % this.capacity
    this.times[slot] = t
    this.bitrate[slot] = bitrateKbps ?? null
    this.fps[slot] = fps ?? null
    if (this.count < this.capacity) this.count += 1
    else this.start = (this.start + 1) % this.capacity
  }

  get length(): number {
    return this.count
  }

  newest(): number {
    return this.count === 0 ? Number.NaN : (this.times[(this.start + this.count - 1) % this.capacity] ?? Number.NaN)
  }

  /** The samples at or after `since`, oldest first, as uPlot's aligned arrays. */
  series(since = Number.NEGATIVE_INFINITY): Series {
    const out: Series = [[], [], []]
    for (let i = 0; i < this.count; i += 1) {
      const slot = (this.start + i) % this.capacity
      const t = this.times[slot] ?? 0
      if (t < since) continue
      out[0].push(t)
      out[1].push(this.bitrate[slot] ?? null)
      out[2].push(this.fps[slot] ?? null)
    }
    return out
  }

  clear(): void {
    this.start = 0
    this.count = 0
  }
}
