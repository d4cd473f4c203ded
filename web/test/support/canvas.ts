// happy-dom has no 2D canvas: a context whose every method does nothing lets the charts mount.

import { vi } from 'vitest'

export function stubCanvas(): void {
  const context = new Proxy(
    {},
    {
      get: (_target, key) => (key === 'measureText' ? () => ({ width: 0 }) : () => undefined),
      set: () => true,
    },
  )
  vi.spyOn(HTMLCanvasElement.prototype, 'getContext').mockImplementation(
    () => context as unknown as CanvasRenderingContext2D,
  )
}
