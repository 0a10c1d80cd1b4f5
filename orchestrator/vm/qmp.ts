// A minimal QMP client: connect to QEMU's unix socket, negotiate, send commands one at a time.
// Each command carries an id that QEMU echoes, so the late answer to a command that timed out
// is recognised and dropped, and the client is free again at once.
import { createConnection, type Socket } from 'node:net'

export class Qmp {
  private sock: Socket | null = null
  private buf = ''
  private waiting: { id: number; resolve: (v: unknown) => void; reject: (e: Error) => void } | null = null
  private nextId = 1
  private greeted: Promise<void> | null = null

  constructor(private readonly path: string) {}

  private open(): Promise<void> {
    if (this.greeted) return this.greeted
    this.greeted = new Promise<void>((resolve, reject) => {
      const sock = createConnection(this.path)
      this.sock = sock
      let gotGreeting = false
      sock.setEncoding('utf8')
      sock.once('error', e => { this.greeted = null; reject(new Error(`QMP socket ${this.path}: ${e.message}`)) })
      sock.on('close', () => {
        this.waiting?.reject(new Error('QMP connection closed (QEMU exited?)'))
        this.waiting = null
      })
      sock.on('data', (d: string) => {
        this.buf += d
        let nl: number
        while ((nl = this.buf.indexOf('\n')) >= 0) {
          const line = this.buf.slice(0, nl).trim()
          this.buf = this.buf.slice(nl + 1)
          if (!line) continue
          const msg = JSON.parse(line) as Record<string, unknown>
          if ('QMP' in msg && !gotGreeting) {
            gotGreeting = true
            this.send('qmp_capabilities').then(() => resolve(), reject)
          } else if ('return' in msg || 'error' in msg) {
            const w = this.waiting
            if (!w || msg.id !== w.id) continue // the answer to a command given up on
            this.waiting = null
            if ('error' in msg) w?.reject(new Error(`QMP error: ${JSON.stringify(msg.error)}`))
            else w?.resolve(msg.return)
          } // asynchronous events are ignored
        }
      })
    })
    return this.greeted
  }

  private send(cmd: string, args?: Record<string, unknown>, id = this.nextId++): Promise<unknown> {
    return new Promise((resolve, reject) => {
      if (this.waiting) return reject(new Error('QMP: one command at a time'))
      this.waiting = { id, resolve, reject }
      this.sock!.write(JSON.stringify({ execute: cmd, ...(args ? { arguments: args } : {}), id }) + '\n')
    })
  }

  async execute(cmd: string, args?: Record<string, unknown>, timeoutMs = 5000): Promise<unknown> {
    let timer: NodeJS.Timeout | undefined
    const id = this.nextId++
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        if (this.waiting?.id === id) this.waiting = null
        reject(new Error(`QMP ${cmd}: no answer within ${timeoutMs} ms`))
      }, timeoutMs)
    })
    try {
      return await Promise.race([this.open().then(() => this.send(cmd, args, id)), timeout])
    } finally {
      clearTimeout(timer)
    }
  }

  close(): void {
    this.sock?.destroy()
    this.sock = null
    this.greeted = null
  }
}
