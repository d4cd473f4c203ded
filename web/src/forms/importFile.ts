// Helpers for the import page: which format a file is, and its errors grouped by line (pure).

import type { ImportFormat, LineError } from '@/api/types'

/** `m3u` or `yaml` from the file name, else from the content, else null. */
export function guessFormat(fileName: string | null, text: string): ImportFormat | null {
  const name = (fileName ?? '').toLowerCase()
  if (name.endsWith('.m3u') || name.endsWith('.m3u8')) return 'm3u'
  if (name.endsWith('.yaml') || name.endsWith('.yml')) return 'yaml'
  const head = text.trimStart()
  if (head.startsWith('#EXTM3U') || head.startsWith('#EXTINF')) return 'm3u'
  if (/^(channels\s*:|-\s+\w+\s*:|\w+\s*:)/m.test(head)) return 'yaml'
  return null
}

export interface SourceLine {
  number: number
  text: string
  errors: string[]
}

/** Every line of `text` with the errors reported for it; errors without a line come back apart. */
export function linesWithErrors(text: string, errors: readonly LineError[]): { lines: SourceLine[]; general: string[] } {
  const lines: SourceLine[] = text.split(/\r?\n/).map((t, i) => ({ number: i + 1, text: t, errors: [] }))
  const general: string[] = []
  for (const e of errors) {
    const message = e.field ? `${e.field}: ${e.message}` : e.message
    const target = e.line !== null ? lines[e.line - 1] : undefined
    if (target) target.errors.push(message)
    else general.push(e.line !== null ? `line ${e.line}: ${message}` : message)
  }
  return { lines, general }
}
