// Coalesces live envelopes so that a burst (60 channels x 1 metrics message a second) reaches the
// stores as one batch per interval: one reactive flush instead of sixty. Within a batch only the
// latest metrics / thumbnail / media info of a channel is kept; a snapshot supersedes everything.

import type { Envelope } from '@/api/types'

export type Schedule = (fn: () => void, ms: number) => () => void

export const defaultSchedule: Schedule = (fn, ms) => {
  const id = setTimeout(fn, ms)
  return () => clearTimeout(id)
}

const REPLACEABLE = new Set<Envelope['type']>(['metrics', 'thumbnail', 'media_info'])

export class EnvelopeBatcher {
  private pending: Envelope[] = []
  private indexByKey = new Map<string, number>()
  private cancel: (() => void) | null = null

  constructor(
    private readonly deliver: (batch: Envelope[]) => void,
    private readonly intervalMs = 250,
    private readonly schedule: Schedule = defaultSchedule,
  ) {}

  push(envelope: Envelope): void {
    if (envelope.type === 'snapshot') {
      this.pending = [envelope]
      this.indexByKey.clear()
      this.flush()
      return
    }
    if (REPLACEABLE.has(envelope.type)) {
      const key = `${envelope.type}:${envelope.channel ?? ''}`
      const index = this.indexByKey.get(key)
      if (index !== undefined) {
        this.pending[index] = envelope
        return
      }
      this.indexByKey.set(key, this.pending.length)
    }
    this.pending.push(envelope)
    if (this.cancel === null) this.cancel = this.schedule(() => this.flush(), this.intervalMs)
  }

  /** Deliver what is pending now (also called by the timer). */
  flush(): void {
    this.cancel?.()
    this.cancel = null
    if (this.pending.length === 0) return
    const batch = this.pending
    this.pending = []
    this.indexByKey.clear()
    this.deliver(batch)
  }

  /** Drop what is pending and stop the timer. */
  dispose(): void {
    this.cancel?.()
    this.cancel = null
    this.pending = []
    this.indexByKey.clear()
  }

  get size(): number {
    return this.pending.length
  }
}
