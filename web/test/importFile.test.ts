import { describe, expect, it } from 'vitest'

import { guessFormat, linesWithErrors } from '@/forms/importFile'

describe('import file helpers', () => {
  it('recognises the format from the file name first', () => {
    expect(guessFormat('list.m3u8', 'channels:')).toBe('m3u')
    expect(guessFormat('list.YML', '#EXTM3U')).toBe('yaml')
  })

  it('recognises the format from the content without a name', () => {
    expect(guessFormat(null, '\n#EXTM3U\n#EXTINF:-1,A\nudp://x:1')).toBe('m3u')
    expect(guessFormat(null, 'channels:\n  - name: A\n')).toBe('yaml')
    expect(guessFormat(null, '- name: A\n  input_url: udp://x:1')).toBe('yaml')
    expect(guessFormat(null, 'just words')).toBeNull()
  })

  it('attaches each error to its line and keeps the others apart', () => {
    const text = '#EXTM3U\n#EXTINF:-1,A\nfile:///etc/passwd\n'
    const { lines, general } = linesWithErrors(text, [
      { line: 3, field: 'input_url', message: "scheme 'file' is not allowed" },
      { line: null, field: null, message: 'file is empty' },
      { line: 99, field: null, message: 'beyond the end' },
    ])
    expect(lines[2]).toEqual({ number: 3, text: 'file:///etc/passwd', errors: ["input_url: scheme 'file' is not allowed"] })
    expect(general).toEqual(['file is empty', 'line 99: beyond the end'])
  })
})
