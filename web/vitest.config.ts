import { defineConfig, mergeConfig } from 'vitest/config'

import viteConfig from './vite.config.ts'

export default mergeConfig(
  viteConfig,
  defineConfig({
    test: {
      include: ['test/**/*.test.ts'],
      environment: 'happy-dom',
      // Longer than any wait a test makes (test/support/waiting.ts): on a loaded machine a test
      // fails on what it asserts, not on vitest's 5 s default.
      testTimeout: 30_000,
    },
  }),
)
