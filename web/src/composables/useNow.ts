// One shared clock for every "time in current state" on screen: a single timer ticking once a
// second while at least one component uses it (not one timer per tile).

import { getCurrentScope, onScopeDispose, readonly, ref, type Ref } from 'vue'

const now = ref(Date.now())
let users = 0
let timer: ReturnType<typeof setTimeout> | null = null

function tick(): void {
  now.value = Date.now()
  // Align to the next whole second so that every counter on the page changes together.
  timer = setTimeout(tick, 1000 - (now.value % 1000) + 5)
}

/** The current time in ms, updated once a second, shared by all callers. */
export function useNow(): Readonly<Ref<number>> {
  users += 1
  if (timer === null) tick()
  if (getCurrentScope()) {
    onScopeDispose(() => {
      users -= 1
      if (users === 0 && timer !== null) {
        clearTimeout(timer)
        timer = null
      }
    })
  }
  return readonly(now)
}

/** How many scopes use the clock (for tests). */
export function nowUsers(): number {
  return users
}
