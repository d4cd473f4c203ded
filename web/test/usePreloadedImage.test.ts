import { describe, expect, it } from 'vitest'
import { effectScope, nextTick, ref } from 'vue'

import { usePreloadedImage, type ImageFactory } from '@/composables/usePreloadedImage'

type FakeImage = ReturnType<ImageFactory>

function images() {
  const made: FakeImage[] = []
  const create: ImageFactory = () => {
    const img: FakeImage = { onload: null, onerror: null, src: '', decoding: 'auto' }
    made.push(img)
    return img
  }
  const load = (i: number) => (made[i]?.onload as (() => void) | null)?.()
  const fail = (i: number) => (made[i]?.onerror as (() => void) | null)?.()
  return { made, create, load, fail }
}

describe('usePreloadedImage', () => {
  it('shows an image only after it has loaded', async () => {
    const src = ref<string | null>('/thumbs/a.jpg?v=1')
    const imgs = images()
    const { shown } = effectScope().run(() => usePreloadedImage(src, imgs.create))!
    expect(imgs.made[0]?.src).toBe('/thumbs/a.jpg?v=1')
    expect(shown.value).toBeNull()
    imgs.load(0)
    expect(shown.value).toBe('/thumbs/a.jpg?v=1')
  })

  it('keeps the old picture on screen while the new one loads', async () => {
    const src = ref<string | null>('/thumbs/a.jpg?v=1')
    const imgs = images()
    const { shown } = effectScope().run(() => usePreloadedImage(src, imgs.create))!
    imgs.load(0)
    src.value = '/thumbs/a.jpg?v=2'
    await nextTick()
    expect(shown.value).toBe('/thumbs/a.jpg?v=1')
    imgs.load(1)
    expect(shown.value).toBe('/thumbs/a.jpg?v=2')
  })

  it('keeps the last good picture when a newer one fails to load', async () => {
    const src = ref<string | null>('/thumbs/a.jpg?v=1')
    const imgs = images()
    const { shown, failed } = effectScope().run(() => usePreloadedImage(src, imgs.create))!
    imgs.load(0)
    src.value = '/thumbs/a.jpg?v=2'
    await nextTick()
    imgs.fail(1)
    expect(shown.value).toBe('/thumbs/a.jpg?v=1')
    expect(failed.value).toBe(false)
  })

  it('says there is no picture when the first one fails', () => {
    const imgs = images()
    const { shown, failed } = effectScope().run(() => usePreloadedImage(ref('/thumbs/x.jpg'), imgs.create))!
    imgs.fail(0)
    expect(shown.value).toBeNull()
    expect(failed.value).toBe(true)
  })

  it('ignores a slow image that was overtaken by a newer one', async () => {
    const src = ref<string | null>('/1')
    const imgs = images()
    const { shown } = effectScope().run(() => usePreloadedImage(src, imgs.create))!
    src.value = '/2'
    await nextTick()
    imgs.load(1)
    imgs.load(0)
    expect(shown.value).toBe('/2')
  })
})
