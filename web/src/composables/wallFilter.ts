// Which channels the wall shows and in which order (pure, so it is tested without a browser).

import type { Channel, Status } from '@/api/types'
import { statusRank } from '@/status/statusDisplay'

export interface WallFilter {
  q: string
  tag: string
  status: Status | ''
  sort: 'problems' | 'name'
}

export function filterChannels(channels: readonly Channel[], filter: WallFilter): Channel[] {
  const needle = filter.q.trim().toLowerCase()
  const out = channels.filter((c) => {
    if (filter.status && c.state.status !== filter.status) return false
    if (filter.tag && !c.tags.includes(filter.tag)) return false
    if (needle && !c.name.toLowerCase().includes(needle) && !c.slug.includes(needle)) return false
    return true
  })
  const byName = (a: Channel, b: Channel) => a.name.localeCompare(b.name, undefined, { numeric: true })
  if (filter.sort === 'problems') {
    out.sort((a, b) => statusRank(a.state.status) - statusRank(b.state.status) || byName(a, b))
  } else {
    out.sort(byName)
  }
  return out
}
