// How long a test waits for a state it expects. vitest's own default for `vi.waitFor` is 1 s,
// less than a loaded machine may stall a worker; a wait ends as soon as the state holds, so a
// long deadline costs a passing test nothing.

export const WAIT_MS = 10_000
