// Open alerts (and the recently resolved ones) kept current by `alert` envelopes.

import { defineStore } from 'pinia'
import { computed, reactive, ref } from 'vue'

import { acknowledgeAlert, listAlerts } from '@/api/client'
import type { Alert, AlertChange } from '@/api/types'

/** Resolved alerts kept in memory for the Alerts page (older ones come from the API). */
const RESOLVED_KEPT = 200

export const useAlertsStore = defineStore('alerts', () => {
  const byId = reactive(new Map<number, Alert>())
  const loaded = ref(false)

  const open = computed(() =>
    [...byId.values()]
      .filter((a) => a.state === 'open')
      .sort((a, b) => b.started_at.localeCompare(a.started_at)),
  )
  const resolved = computed(() =>
    [...byId.values()]
      .filter((a) => a.state === 'resolved')
      .sort((a, b) => (b.ended_at ?? '').localeCompare(a.ended_at ?? '')),
  )
  const openCount = computed(() => open.value.length)
  const unacknowledgedCount = computed(() => open.value.filter((a) => !a.acknowledged_at).length)

  function put(alert: Alert): void {
    const existing = byId.get(alert.id)
    if (existing) Object.assign(existing, alert)
    else byId.set(alert.id, alert)
  }

  function replace(list: readonly Alert[]): void {
    for (const alert of list) put(alert)
    trimResolved()
    loaded.value = true
  }

  function applyChange(change: AlertChange): void {
    put(change.alert)
    if (change.change === 'resolved') trimResolved()
  }

  function trimResolved(): void {
    const extra = resolved.value.slice(RESOLVED_KEPT)
    for (const alert of extra) byId.delete(alert.id)
  }

  /** Load open alerts (and the latest resolved ones) from the API. */
  async function load(): Promise<void> {
    const [openPage, resolvedPage] = await Promise.all([
      listAlerts({ state: 'open', limit: 500 }),
      listAlerts({ state: 'resolved', limit: 100 }),
    ])
    replace([...openPage.items, ...resolvedPage.items])
  }

  async function acknowledge(id: number, by?: string): Promise<void> {
    put(await acknowledgeAlert(id, by))
  }

  function openFor(slug: string): Alert[] {
    return open.value.filter((a) => a.channel === slug)
  }

  return {
    loaded,
    open,
    resolved,
    openCount,
    unacknowledgedCount,
    put,
    replace,
    applyChange,
    openFor,
    load,
    acknowledge,
  }
})
