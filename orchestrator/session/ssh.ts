// The guest session: an ssh2 client with a readiness wait that cannot hang (a timeout on every
// try, an overall deadline, and QEMU's death or a kernel crash end it at once), commands with
// streamed output and timeouts, file push as a tar stream, and an interactive shell.
import { readFileSync } from 'node:fs'
import { connect, type Socket } from 'node:net'
import { Client, type ClientChannel } from 'ssh2'
import tar from 'tar-stream'
import { BootError, GuestError, KernelCrashError, describeExit } from '../base/errors.ts'
import { lastLines } from '../vm/crash.ts'
import type { Log } from '../base/log.ts'
import { defaults } from '../base/options.ts'
import { retry, RetryExhausted } from '../base/retry.ts'
import type { Instance } from '../vm/vm.ts'

export interface ExecResult { code: number | null; signal?: string; stdout: string; stderr: string; ms: number }

export interface ExecOptions {
  timeoutMs?: number
  onStdout?: (chunk: string) => void
  onStderr?: (chunk: string) => void
  /** Reject on a non-zero exit (default true). */
  check?: boolean
}

export interface GuestSession {
  exec(cmd: string, o?: ExecOptions): Promise<ExecResult>
  push(files: { path: string; data: Buffer; mode?: number }[], destDir: string): Promise<void>
  close(): void
}

/** How often the readiness wait opens another connection while none has heard the server. */
export const PROBE_EVERY_MS = 200
/** How often the readiness wait asks whether the guest has said it is ready (its console's
 *  `event=guest-ready`, once its SSH server listens); it then opens a connection at once rather
 *  than at its next probe. */
export const READY_POLL_MS = 10
/** At most this many open at once (the oldest is closed first): dropbear closes a peer's
 *  connections beyond 5 unauthenticated ones, and every probe QEMU's forward held reaches the
 *  guest's server together once it listens. */
export const PROBES_OPEN = 3

/**
 * The first connection on which the SSH server speaks (its identification line is readable,
 * not consumed), within windowMs. QEMU's user-mode forward accepts at once and then holds a
 * connection made before the guest listens silent for seconds (its SYN to the guest is lost and
 * retransmitted late), so one connection at a time would wait out a whole try per early attempt:
 * a new one is opened every PROBE_EVERY_MS and the first to hear the server wins.
 */
function firstBanner(port: number, windowMs: number, saidReady?: () => boolean): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const open = new Set<Socket>()
    let done = false
    const finish = (winner?: Socket) => {
      done = true
      clearInterval(every)
      clearInterval(watch)
      clearTimeout(timer)
      for (const s of open) if (s !== winner) s.destroy()
      open.clear()
    }
    const probe = () => {
      while (open.size >= PROBES_OPEN) {
        const oldest = open.values().next().value!
        open.delete(oldest)
        oldest.destroy()
      }
      const s = connect({ host: '127.0.0.1', port })
      // SSH's small request/reply exchanges otherwise wait out Nagle against delayed ACKs on
      // every round trip (about 45 ms each through QEMU's user-mode stack: a login took 290 ms
      // of which 200 were that, and each command another 90).
      s.setNoDelay(true)
      open.add(s)
      s.on('readable', () => {
        if (done) return
        // readable at its end with nothing to read: the server (or the forward) closed it
        if (s.readableLength === 0) { open.delete(s); s.destroy(); return }
        s.removeAllListeners('readable')
        s.removeAllListeners('error')
        s.removeAllListeners('close')
        finish(s)
        resolve(s)
      })
      s.on('error', () => undefined) // refused or reset: the next probe tries again
      s.once('close', () => { open.delete(s) })
    }
    const every = setInterval(probe, PROBE_EVERY_MS)
    let told = false
    const watch = setInterval(() => {
      if (told || done || !saidReady?.()) return
      told = true
      probe()
    }, READY_POLL_MS)
    const timer = setTimeout(() => { finish(); reject(new Error(`no SSH handshake within ${windowMs} ms (the server spoke on none of the connections opened every ${PROBE_EVERY_MS} ms)`)) }, windowMs)
    probe()
  })
}

async function connectOnce(port: number, privateKey: Buffer, tryTimeoutMs: number, saidReady?: () => boolean, hostKey?: Buffer, onWrongKey?: (offered: Buffer) => void): Promise<Client> {
  const sock = await firstBanner(port, tryTimeoutMs, saidReady)
  return new Promise((resolve, reject) => {
    const c = new Client()
    const timer = setTimeout(() => { c.end(); sock.destroy(); reject(new Error(`no SSH handshake within ${tryTimeoutMs} ms after the server's banner`)) }, tryTimeoutMs)
    c.once('ready', () => { clearTimeout(timer); resolve(c) })
    c.on('error', e => { clearTimeout(timer); c.end(); sock.destroy(); reject(e) })
    c.connect({
      sock, username: 'root', privateKey, readyTimeout: tryTimeoutMs, keepaliveInterval: 5000, keepaliveCountMax: 6,
      // the image's host key (orchestrator/image): a server with another one is not our guest
      ...(hostKey ? { hostVerifier: (key: Buffer) => { if (key.equals(hostKey)) return true; onWrongKey?.(key); return false } } : {}),
    })
  })
}

export class SshSession implements GuestSession {
  private constructor(private readonly client: Client, private readonly commandTimeoutMs: number, private readonly log?: Log) {
    // A dropped connection must not crash the orchestrator; the next exec reports it.
    client.on('error', () => undefined)
  }

  /**
   * Waits until the guest's SSH server answers: each try has its own timeout (QEMU's forward
   * accepts a connection before the guest listens), and the whole wait has a deadline.
   */
  static async connect(vm: Instance, keyFile: string, o: { deadlineMs: number; tryTimeoutMs?: number; commandTimeoutMs?: number; log?: Log; hostKey?: string; saidReady?: () => boolean }): Promise<SshSession> {
    const key = readFileSync(keyFile)
    const hostKey = o.hostKey ? Buffer.from(o.hostKey.split(/\s+/)[1] ?? '', 'base64') : undefined
    const t0 = Date.now()
    try {
      let offered: Buffer | undefined
      const client = await retry(() => connectOnce(vm.sshPort, key, o.tryTimeoutMs ?? 5000, o.saidReady, hostKey, k => { offered = k }), {
        what: `SSH to the guest on 127.0.0.1:${vm.sshPort}`, deadlineMs: o.deadlineMs, initialDelayMs: 250, maxDelayMs: 1000,
        check: () => {
          // another host key will not change on a retry: whatever answers is not this guest
          if (offered) throw new BootError(`the SSH server on 127.0.0.1:${vm.sshPort} offered a host key that is not the image's: it is not this guest (offered ${offered.toString('base64').slice(0, 40)}…, expected ${o.hostKey})`, { hint: 'the image carries the key in .cache/ssh/guest_host_ed25519.*; `npm run build-image` rebuilds it when that key changes' })
          const crash = vm.crash()
          if (crash) throw new KernelCrashError(crash.kind, crash.excerpt)
          const exit = vm.exited()
          if (exit) throw new BootError(`QEMU exited while waiting for the guest's SSH server (${exit})`, { evidence: lastLines(vm.console(), 40), hint: `full console log: ${vm.consoleLog}` })
        },
      })
      o.log?.info(`guest answers SSH after ${((Date.now() - t0) / 1000).toFixed(2)} s`)
      return new SshSession(client, o.commandTimeoutMs ?? defaults.commandTimeoutMs, o.log)
    } catch (e) {
      if (e instanceof RetryExhausted) {
        throw new BootError(`the guest's SSH server did not answer on 127.0.0.1:${vm.sshPort} within ${(o.deadlineMs / 1000).toFixed(0)} s (${e.attempts} tries; last: ${e.last instanceof Error ? e.last.message : String(e.last)})`, {
          evidence: lastLines(vm.console(), 40), hint: `full console log: ${vm.consoleLog}`,
        })
      }
      throw e
    }
  }

  exec(cmd: string, o: ExecOptions = {}): Promise<ExecResult> {
    const timeoutMs = o.timeoutMs ?? this.commandTimeoutMs
    const t0 = Date.now()
    this.log?.cmd(`guest$ ${cmd}`)
    return new Promise((resolve, reject) => {
      this.client.exec(cmd, (err, stream) => {
        if (err) return reject(new GuestError(`could not run \`${cmd}\` in the guest: ${err.message}`))
        let stdout = '', stderr = ''
        let done = false
        const timer = setTimeout(() => {
          if (done) return
          done = true
          stream.close()
          reject(new GuestError(`\`${cmd}\` did not finish within ${(timeoutMs / 1000).toFixed(0)} s in the guest`, { evidence: lastLines(stdout + stderr, 20) }))
        }, timeoutMs)
        stream.on('data', (d: Buffer) => { const s = d.toString(); stdout += s; o.onStdout?.(s) })
        stream.stderr.on('data', (d: Buffer) => { const s = d.toString(); stderr += s; o.onStderr?.(s) })
        stream.on('close', (code: number | null, signal?: string) => {
          if (done) return
          done = true
          clearTimeout(timer)
          const r: ExecResult = { code, signal: signal ?? undefined, stdout, stderr, ms: Date.now() - t0 }
          if ((o.check ?? true) && code !== 0) {
            const said = lastLines(stderr || stdout, 1)
            return reject(new GuestError(`\`${cmd}\` failed in the guest (${describeExit(code, signal)})${said ? `: ${said}` : ''}`, { evidence: lastLines(stderr || stdout, 20) }))
          }
          resolve(r)
        })
      })
    })
  }

  /** Copies files into destDir as one tar stream, unpacked by the guest's tar. */
  async push(files: { path: string; data: Buffer; mode?: number }[], destDir: string, timeoutMs = this.commandTimeoutMs): Promise<void> {
    const pack = tar.pack()
    for (const f of files) pack.entry({ name: f.path, mode: f.mode ?? 0o644, mtime: new Date(0) }, f.data)
    pack.finalize()
    const chunks: Buffer[] = []
    for await (const c of pack) chunks.push(c as Buffer)
    const archive = Buffer.concat(chunks)
    const quoted = `'${destDir.replace(/'/g, `'\\''`)}'`
    this.log?.cmd(`guest$ tar -x -C ${destDir} (${files.length} files, ${archive.length} bytes)`)
    await new Promise<void>((resolve, reject) => {
      this.client.exec(`mkdir -p ${quoted} && tar -x -f - -C ${quoted}`, (err, stream) => {
        if (err) return reject(new GuestError(`push to ${destDir}: ${err.message}`))
        let stderr = ''
        const timer = setTimeout(() => { stream.close(); reject(new GuestError(`push to ${destDir} did not finish within ${timeoutMs / 1000} s`)) }, timeoutMs)
        stream.stderr.on('data', (d: Buffer) => { stderr += d.toString() })
        stream.on('data', () => undefined) // drain stdout so the channel can close
        stream.on('close', (code: number | null) => {
          clearTimeout(timer)
          if (code === 0) resolve()
          else reject(new GuestError(`push to ${destDir} failed (${describeExit(code)})`, { evidence: stderr }))
        })
        stream.end(archive)
      })
    })
  }

  /** An interactive shell on this terminal; resolves when the user leaves it. */
  shell(): Promise<void> {
    return new Promise((resolve, reject) => {
      const stdin = process.stdin
      const tty = stdin.isTTY === true
      const size = { rows: process.stdout.rows ?? 24, cols: process.stdout.columns ?? 80, term: process.env.TERM ?? 'xterm' }
      this.client.shell(size, (err, stream: ClientChannel) => {
        if (err) return reject(new GuestError(`could not open a shell: ${err.message}`))
        if (tty) stdin.setRawMode(true)
        stdin.resume()
        stdin.pipe(stream)
        stream.pipe(process.stdout)
        stream.stderr.pipe(process.stderr)
        const onResize = () => stream.setWindow(process.stdout.rows ?? 24, process.stdout.columns ?? 80, 0, 0)
        process.stdout.on('resize', onResize)
        stream.on('close', () => {
          process.stdout.off('resize', onResize)
          stdin.unpipe(stream)
          if (tty) stdin.setRawMode(false)
          stdin.pause()
          resolve()
        })
      })
    })
  }

  close(): void { this.client.end() }
}
