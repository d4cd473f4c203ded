// How the Workers page words a worker (pure, tested in test/workers.test.ts).

import type { Worker } from '@/api/types'

/** The worker's state in a few words: live or lost, and where its drain stands. */
export function workerState(worker: Worker): string {
  if (!worker.live) return 'lost (no heartbeat)'
  switch (worker.drain_state) {
    case 'moving':
      return 'draining: moving channels one at a time'
    case 'waiting':
      return 'draining: waiting, no other worker can take its channels'
    case 'drained':
      return 'drained'
    default:
      return 'running'
  }
}

/** `3 / 10 (30 %)`: channels held over capacity. */
export function workerLoad(worker: Worker): string {
  return `${worker.channel_count} / ${worker.capacity} (${Math.round(worker.load * 100)} %)`
}

/** The heartbeat's age: `0.8 s ago`, `2 min ago`. */
export function heartbeatAge(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '–'
  if (seconds < 60) return `${seconds.toFixed(1)} s ago`
  return `${Math.floor(seconds / 60)} min ago`
}

/** Labels as `key=value` pairs, sorted. */
export function labelList(labels: Record<string, string>): string {
  return Object.entries(labels)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, value]) => `${key}=${value}`)
    .join(', ')
}
