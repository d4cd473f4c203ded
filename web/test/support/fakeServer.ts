// A stand-in for the server at the `fetch` boundary: the test names the answers per
// "METHOD /path" and reads back every request the dashboard made (method, path, headers, body).

import { vi } from 'vitest'

export interface SeenRequest {
  method: string
  path: string
  query: URLSearchParams
  headers: Headers
  body: string | null
  credentials: RequestCredentials | undefined
}

export type Answer = Response | ((request: SeenRequest) => Response)

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json', ...headers },
  })
}

export function problem(status: number, detail: string, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify({ type: 'about:blank', title: 'Problem', status, detail }), {
    status,
    headers: { 'Content-Type': 'application/problem+json', ...headers },
  })
}

export class FakeServer {
  readonly requests: SeenRequest[] = []
  private readonly answers = new Map<string, Answer>()

  /** Answer `METHOD /api/v1/...` (path without the query) with `answer` from now on. */
  on(route: string, answer: Answer): this {
    this.answers.set(route, answer)
    return this
  }

  /** Install as the global `fetch` (undone by `vi.unstubAllGlobals()`). */
  install(): this {
    vi.stubGlobal('fetch', (input: RequestInfo | URL, init: RequestInit = {}) => this.handle(input, init))
    return this
  }

  /** The requests made to `route` ("METHOD /path"). */
  seen(route: string): SeenRequest[] {
    return this.requests.filter((r) => `${r.method} ${r.path}` === route)
  }

  private async handle(input: RequestInfo | URL, init: RequestInit): Promise<Response> {
    const url = new URL(String(input), 'http://dashboard.test')
    const request: SeenRequest = {
      method: (init.method ?? 'GET').toUpperCase(),
      path: url.pathname,
      query: url.searchParams,
      headers: new Headers(init.headers),
      body: typeof init.body === 'string' ? init.body : null,
      credentials: init.credentials,
    }
    this.requests.push(request)
    const answer = this.answers.get(`${request.method} ${request.path}`)
    if (answer === undefined) return problem(404, `no answer for ${request.method} ${request.path}`)
    return typeof answer === 'function' ? answer(request) : answer.clone()
  }
}

/** Set (or with `value` null, delete) a cookie the page's scripts can read. */
export function setCookie(name: string, value: string | null): void {
  document.cookie =
    value === null ? `${name}=; expires=Thu, 01 Jan 1970 00:00:00 GMT; path=/` : `${name}=${encodeURIComponent(value)}; path=/`
}
