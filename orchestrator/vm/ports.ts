// Free loopback ports for QEMU's forwards. The kernel picks a free port (bind to port 0); a
// process-wide set keeps two VMs of one run from being handed the same one. Another process can
// still take a port between here and QEMU's bind: the VM layer retries on "could not set up host
// forwarding rule".
import { createServer } from 'node:net'

const handedOut = new Set<number>()

export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.unref()
    srv.once('error', reject)
    srv.listen({ host, port: 0, exclusive: true }, () => {
      const addr = srv.address()
      const port = typeof addr === 'object' && addr ? addr.port : 0
      srv.close(() => {
        if (!port) reject(new Error('could not get a free port'))
        else if (handedOut.has(port)) freePort(host).then(resolve, reject)
        else { handedOut.add(port); resolve(port) }
      })
    })
  })
}

export function releasePort(port: number): void { handedOut.delete(port) }

export async function freePorts(n: number, host = '127.0.0.1'): Promise<number[]> {
  const out: number[] = []
  for (let i = 0; i < n; i++) out.push(await freePort(host))
  return out
}
