// Which tiles of a list are on screen: an IntersectionObserver over the elements carrying
// `data-slug` inside `container`, re-scanned whenever `items` changes. The slugs go to
// `report` a moment after the set changes (scrolling does not send a message per frame), and
// `[]` when the owning component goes away. Without IntersectionObserver every tile counts.

import { getCurrentScope, nextTick, onScopeDispose, watch, type Ref, type WatchSource } from 'vue'

/** How long the set must stay still before it is reported, in milliseconds. */
export const REPORT_DELAY_MS = 200

export function useVisibleTiles(
  container: Readonly<Ref<HTMLElement | null>>,
  items: WatchSource<unknown>,
  report: (slugs: string[]) => void,
  delayMs = REPORT_DELAY_MS,
) {
  const shown = new Set<string>()
  let timer: ReturnType<typeof setTimeout> | null = null
  let observer: IntersectionObserver | null = null

  function schedule(): void {
    if (timer !== null) clearTimeout(timer)
    timer = setTimeout(() => {
      timer = null
      report([...shown])
    }, delayMs)
  }

  function tiles(): HTMLElement[] {
    const root = container.value
    return root ? [...root.querySelectorAll<HTMLElement>('[data-slug]')] : []
  }

  function onIntersect(entries: IntersectionObserverEntry[]): void {
    for (const entry of entries) {
      const slug = (entry.target as HTMLElement).dataset.slug
      if (!slug) continue
      if (entry.isIntersecting) shown.add(slug)
      else shown.delete(slug)
    }
    schedule()
  }

  function rescan(): void {
    const elements = tiles()
    shown.clear()
    if (typeof IntersectionObserver === 'undefined') {
      for (const el of elements) if (el.dataset.slug) shown.add(el.dataset.slug)
      schedule()
      return
    }
    observer?.disconnect()
    observer ??= new IntersectionObserver(onIntersect)
    for (const el of elements) observer.observe(el)
    if (elements.length === 0) schedule()
  }

  const stop = watch([container, items], () => void nextTick(rescan), { immediate: true })

  if (getCurrentScope()) {
    onScopeDispose(() => {
      stop()
      observer?.disconnect()
      observer = null
      if (timer !== null) clearTimeout(timer)
      timer = null
      report([])
    })
  }
}
