import { describe, expect, it } from 'vitest'

import { problemFromResponse } from '@/api/problem'

describe('problemFromResponse', () => {
  it('reads a problem+json body with its field errors', () => {
    const body = JSON.stringify({
      type: 'about:blank',
      title: 'Unprocessable Content',
      status: 422,
      detail: "input_url: scheme 'file' is not allowed",
      errors: [
        { field: 'input_url', message: "scheme 'file' is not allowed; use one of rtmp, …", line: null },
        { field: 'input_url', message: 'a second complaint', line: null },
        { field: 'tags.0', message: 'too long', line: null },
      ],
    })
    const err = problemFromResponse(422, 'Unprocessable Content', body)
    expect(err.status).toBe(422)
    expect(err.detail).toBe("input_url: scheme 'file' is not allowed")
    expect(err.fieldErrors).toEqual({
      input_url: "scheme 'file' is not allowed; use one of rtmp, …",
      'tags.0': 'too long',
    })
    expect(err.errors).toHaveLength(3)
  })

  it('keeps the line numbers of import errors', () => {
    const body = JSON.stringify({ status: 422, title: 'x', errors: [{ line: 12, field: 'input_url', message: 'bad' }] })
    expect(problemFromResponse(422, '', body).errors).toEqual([{ line: 12, field: 'input_url', message: 'bad' }])
  })

  it('falls back to the status text when the body is not JSON', () => {
    const err = problemFromResponse(502, 'Bad Gateway', '<html>nginx</html>')
    expect(err.status).toBe(502)
    expect(err.title).toBe('Bad Gateway')
    expect(err.detail).toBe('<html>nginx</html>')
    expect(err.fieldErrors).toEqual({})
  })

  it('says not found for a 404', () => {
    expect(problemFromResponse(404, 'Not Found', '{"title":"Not Found","status":404}').isNotFound).toBe(true)
  })
})
