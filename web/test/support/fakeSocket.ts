// A stand-in for the browser's WebSocket: the test opens, feeds and drops it by hand.

import type { SocketLike } from '@/composables/useLiveStatus'

export class FakeSocket {
  onopen: SocketLike['onopen'] = null
  onmessage: SocketLike['onmessage'] = null
  onclose: SocketLike['onclose'] = null
  onerror: SocketLike['onerror'] = null
  closedByClient = false
  readonly sent: string[] = []

  constructor(readonly url: string) {}

  close(): void {
    this.closedByClient = true
  }

  send(data: string): void {
    this.sent.push(data)
  }

  serverOpens(): void {
    this.onopen?.call(this as unknown as WebSocket, new Event('open'))
  }

  serverSends(message: unknown): void {
    const data = typeof message === 'string' ? message : JSON.stringify(message)
    this.onmessage?.call(this as unknown as WebSocket, new MessageEvent('message', { data }))
  }

  /** The server closes the connection with `code` (1008: refused by policy). */
  serverCloses(code: number): void {
    this.onclose?.call(this as unknown as WebSocket, new CloseEvent('close', { code }))
  }

  serverDrops(): void {
    this.onerror?.call(this as unknown as WebSocket, new Event('error'))
    this.onclose?.call(this as unknown as WebSocket, new CloseEvent('close', { code: 1006 }))
  }
}

export function socketFactory() {
  const sockets: FakeSocket[] = []
  const create = (url: string): SocketLike => {
    const socket = new FakeSocket(url)
    sockets.push(socket)
    return socket as unknown as SocketLike
  }
  return { sockets, create, last: () => sockets[sockets.length - 1] as FakeSocket }
}
