// A clock and timer queue the test moves by hand (stands in for setTimeout / Date.now).

import type { Schedule } from '@/composables/envelopeBatcher'

interface Task {
  at: number
  fn: () => void
  cancelled: boolean
}

export class ManualClock {
  time = 1_000_000
  private tasks: Task[] = []

  now = (): number => this.time

  schedule: Schedule = (fn, ms) => {
    const task: Task = { at: this.time + ms, fn, cancelled: false }
    this.tasks.push(task)
    return () => {
      task.cancelled = true
    }
  }

  /** Move time forward, running every task that falls due, in order. */
  advance(ms: number): void {
    const end = this.time + ms
    for (;;) {
      const due = this.tasks
        .filter((t) => !t.cancelled && t.at <= end)
        .sort((a, b) => a.at - b.at)[0]
      if (!due) break
      this.tasks = this.tasks.filter((t) => t !== due)
      this.time = due.at
      due.fn()
    }
    this.time = end
  }

  get pending(): number {
    return this.tasks.filter((t) => !t.cancelled).length
  }
}
