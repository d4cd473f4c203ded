// Shows a new image only once it has loaded, so a tile never flashes empty or shifts while a
// fresh thumbnail arrives; until the first one loads, `shown` stays null (a placeholder shows).

import { getCurrentScope, onScopeDispose, ref, watch, type Ref } from 'vue'

export type ImageFactory = () => Pick<HTMLImageElement, 'onload' | 'onerror' | 'src' | 'decoding'>

export function usePreloadedImage(
  src: Readonly<Ref<string | null>>,
  createImage: ImageFactory = () => new Image(),
) {
  const shown = ref<string | null>(null)
  const failed = ref(false)
  let pending: ReturnType<ImageFactory> | null = null

  function cancel(): void {
    if (pending) {
      pending.onload = null
      pending.onerror = null
      pending = null
    }
  }

  watch(
    src,
    (url) => {
      cancel()
      if (!url) return
      if (url === shown.value) return
      const img = createImage()
      pending = img
      img.decoding = 'async'
      img.onload = () => {
        if (pending !== img) return
        pending = null
        shown.value = url
        failed.value = false
      }
      img.onerror = () => {
        if (pending !== img) return
        pending = null
        // Keep the last good image; only say "no picture" when there never was one.
        if (shown.value === null) failed.value = true
      }
      img.src = url
    },
    { immediate: true },
  )

  if (getCurrentScope()) onScopeDispose(cancel)
  return { shown, failed }
}
