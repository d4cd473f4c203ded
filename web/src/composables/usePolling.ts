// Calls `task` now and then every `intervalMs` while the page is visible; stops with its scope.

import { getCurrentScope, onScopeDispose, ref } from 'vue'

export function usePolling(task: (signal: AbortSignal) => Promise<void>, intervalMs: number) {
  const running = ref(false)
  let timer: ReturnType<typeof setTimeout> | null = null
  let controller: AbortController | null = null
  let stopped = false

  async function run(): Promise<void> {
    timer = null
    if (stopped) return
    if (document.visibilityState === 'visible') {
      controller = new AbortController()
      running.value = true
      try {
        await task(controller.signal)
      } finally {
        running.value = false
        controller = null
      }
    }
    if (!stopped) timer = setTimeout(run, intervalMs)
  }

  function onVisibility(): void {
    if (document.visibilityState === 'visible' && timer !== null && !running.value) {
      clearTimeout(timer)
      void run()
    }
  }

  function stop(): void {
    stopped = true
    if (timer !== null) clearTimeout(timer)
    timer = null
    controller?.abort()
    document.removeEventListener('visibilitychange', onVisibility)
  }

  /** Run again now (for example after an action). */
  function refresh(): void {
    if (stopped || running.value) return
    if (timer !== null) clearTimeout(timer)
    void run()
  }

  document.addEventListener('visibilitychange', onVisibility)
  void run()
  if (getCurrentScope()) onScopeDispose(stop)
  return { running, refresh, stop }
}
