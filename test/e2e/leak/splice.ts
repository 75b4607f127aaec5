import type net from 'node:net'

/** Joins two sockets both ways; when either fails or closes, the other is destroyed too. */
export function splice (a: net.Socket, b: net.Socket): void {
  a.pipe(b).pipe(a)
  for (const [x, y] of [[a, b], [b, a]]) {
    x.on('error', () => y.destroy())
    x.on('close', () => y.destroy())
  }
}
