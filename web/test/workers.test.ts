import { describe, expect, it } from 'vitest'

import type { Worker } from '@/api/types'
import { heartbeatAge, labelList, workerLoad, workerState } from '@/format/workers'

const worker: Worker = {
  id: 'w1',
  host: 'box-a',
  version: '0.9.0',
  labels: { zone: 'a', transcode: 'false' },
  capacity: 10,
  channel_count: 3,
  channels: [],
  load: 0.3,
  heartbeat_age_s: 0.8,
  live: true,
  draining: false,
  drain_state: 'none',
}

describe('workers page wording', () => {
  it('says where a drain stands, and that a silent worker is lost', () => {
    expect(workerState(worker)).toBe('running')
    expect(workerState({ ...worker, draining: true, drain_state: 'waiting' })).toBe(
      'draining: waiting, no other worker can take its channels',
    )
    expect(workerState({ ...worker, draining: true, drain_state: 'drained' })).toBe('drained')
    expect(workerState({ ...worker, live: false })).toBe('lost (no heartbeat)')
  })

  it('shows load as channels over capacity', () => {
    expect(workerLoad(worker)).toBe('3 / 10 (30 %)')
  })

  it('shows a heartbeat age in seconds, then minutes', () => {
    expect(heartbeatAge(0.84)).toBe('0.8 s ago')
    expect(heartbeatAge(125)).toBe('2 min ago')
    expect(heartbeatAge(-1)).toBe('–')
  })

  it('lists labels sorted by key', () => {
    expect(labelList(worker.labels)).toBe('transcode=false, zone=a')
  })
})
