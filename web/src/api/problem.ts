// RFC 9457 problem details from the API, as one typed error the views can show.

import type { LineError } from './types'

export interface ProblemBody {
  type?: string
  title?: string
  status?: number
  detail?: string
  instance?: string
  errors?: LineError[]
}

export class ApiError extends Error {
  readonly status: number
  readonly title: string
  readonly detail: string
  /** Every `errors[]` entry as sent (imports carry `line`). */
  readonly errors: LineError[]
  /** First message per dotted field path (`input_url`, `hls.segment_seconds`), for forms. */
  readonly fieldErrors: Record<string, string>
  /** How long the server asks to wait before trying again (429's `Retry-After`), in seconds. */
  retryAfterS: number | null = null

  constructor(status: number, title: string, detail: string, errors: LineError[] = []) {
    super(detail || title)
    this.name = 'ApiError'
    this.status = status
    this.title = title
    this.detail = detail
    this.errors = errors
    this.fieldErrors = {}
    for (const e of errors) {
      if (e.field && !(e.field in this.fieldErrors)) this.fieldErrors[e.field] = e.message
    }
  }

  /** True when the server has no such route yet (or no such object). */
  get isNotFound(): boolean {
    return this.status === 404
  }

  get isNetwork(): boolean {
    return this.status === 0
  }
}

function normaliseErrors(raw: unknown): LineError[] {
  if (!Array.isArray(raw)) return []
  return raw
    .filter((e): e is Record<string, unknown> => typeof e === 'object' && e !== null)
    .map((e) => ({
      line: typeof e.line === 'number' ? e.line : null,
      field: typeof e.field === 'string' ? e.field : null,
      message: typeof e.message === 'string' ? e.message : String(e.message ?? ''),
    }))
}

/** An `ApiError` from a failed response's status and (possibly non-JSON) body text. */
export function problemFromResponse(status: number, statusText: string, bodyText: string): ApiError {
  let body: ProblemBody | null = null
  try {
    const parsed: unknown = JSON.parse(bodyText)
    if (typeof parsed === 'object' && parsed !== null) body = parsed as ProblemBody
  } catch {
    body = null
  }
  const title = body?.title ?? (statusText || `HTTP ${status}`)
  const detail =
    typeof body?.detail === 'string'
      ? body.detail
      : // FastAPI's default {"detail": [...]} for validation before our handler runs.
        bodyText && !body
        ? bodyText.slice(0, 300)
        : title
  return new ApiError(body?.status ?? status, title, detail, normaliseErrors(body?.errors))
}

/** The seconds a `Retry-After` header asks for (delay-seconds or an HTTP date), or null. */
export function parseRetryAfter(value: string | null, nowMs: number = Date.now()): number | null {
  if (value === null) return null
  const text = value.trim()
  if (/^\d+$/.test(text)) return Math.min(Number(text), 86_400)
  const at = Date.parse(text)
  if (Number.isNaN(at)) return null
  return Math.max(0, Math.min(Math.ceil((at - nowMs) / 1000), 86_400))
}

/** What a view shows for any error: the problem's detail, or the error's message. */
export function describeError(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}

/** A form's messages by field (`body.` dropped); `''` holds an error that names no field. */
export function formErrorsOf(err: unknown): Record<string, string> {
  if (err instanceof ApiError && Object.keys(err.fieldErrors).length) {
    return Object.fromEntries(
      Object.entries(err.fieldErrors).map(([field, message]) => [field.replace(/^body\./, ''), message]),
    )
  }
  return { '': describeError(err) }
}
