// The readiness wait, against a fake instance (no VM): a port that accepts and never speaks, as
// QEMU's forward does before the guest listens. The wait must end with the right error and the
// console's last lines, never hang.
import { expect } from 'chai'
import { createServer, type Server, type Socket } from 'node:net'
import ssh2 from 'ssh2'
import { BootError, KernelCrashError } from '../orchestrator/base/errors.ts'
import { ensureHostKey, ensureSshKey } from '../orchestrator/image/image.ts'
import { createPrivateKey, createPublicKey, sign, verify } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SshSession } from '../orchestrator/session/ssh.ts'
import type { Instance } from '../orchestrator/vm/vm.ts'
import type { Crash } from '../orchestrator/vm/crash.ts'

function fakeInstance(port: number, o: { exitAfterMs?: number; crashAfterMs?: number }): Instance {
  const t0 = Date.now()
  const crash: Crash = { kind: 'kernel panic', line: 'Kernel panic - not syncing: VFS', excerpt: 'Kernel panic - not syncing: VFS: Unable to mount root fs' }
  return {
    sshPort: port,
    consoleLog: '/fake/console.log',
    console: () => 'line 1\nline 2\nlast words of the guest\n',
    crash: () => (o.crashAfterMs !== undefined && Date.now() - t0 > o.crashAfterMs ? crash : null),
    exited: () => (o.exitAfterMs !== undefined && Date.now() - t0 > o.exitAfterMs ? 'exit 1' : null),
    setLink: async () => undefined,
    qmpExecute: async () => undefined,
    hostRun: async () => ({ exitCode: 0, stdout: '', stderr: '' }),
    close: async () => undefined,
  }
}

describe('guest session readiness wait (fake instance)', () => {
  let server: Server
  let port: number
  const sockets: Socket[] = []
  before(async () => {
    await ensureSshKey()
    server = createServer(s => { sockets.push(s) }) // accepts, never answers
    await new Promise<void>(r => server.listen(0, '127.0.0.1', r))
    port = (server.address() as { port: number }).port
  })
  after(() => { sockets.forEach(s => s.destroy()); server.close() })
  const key = () => `${process.cwd()}/.cache/ssh/id_ed25519`

  it('gives up at the deadline, saying what it waited for and how long, with the console', async () => {
    const t0 = Date.now()
    try {
      await SshSession.connect(fakeInstance(port, {}), key(), { deadlineMs: 2500, tryTimeoutMs: 500 })
      expect.fail('should time out')
    } catch (e) {
      expect(e).to.be.instanceOf(BootError)
      const be = e as BootError
      expect(be.message).to.match(new RegExp(`SSH server did not answer on 127.0.0.1:${port} within 3 s`))
      expect(be.message).to.match(/no SSH handshake within 500 ms/)
      expect(be.evidence).to.include('last words of the guest')
    }
    expect(Date.now() - t0).to.be.lessThan(6000)
  })

  it('stops waiting as soon as QEMU exits', async () => {
    const t0 = Date.now()
    try {
      await SshSession.connect(fakeInstance(port, { exitAfterMs: 300 }), key(), { deadlineMs: 60_000, tryTimeoutMs: 400 })
      expect.fail('should fail')
    } catch (e) {
      expect(e).to.be.instanceOf(BootError)
      expect((e as Error).message).to.match(/QEMU exited while waiting for the guest's SSH server \(exit 1\)/)
    }
    expect(Date.now() - t0).to.be.lessThan(5000)
  })

  it('stops waiting as soon as the kernel crashes, with the crash as evidence', async () => {
    try {
      await SshSession.connect(fakeInstance(port, { crashAfterMs: 200 }), key(), { deadlineMs: 60_000, tryTimeoutMs: 400 })
      expect.fail('should fail')
    } catch (e) {
      expect(e).to.be.instanceOf(KernelCrashError)
      expect((e as KernelCrashError).evidence).to.match(/Unable to mount root fs/)
    }
  })

  it('answers soon after the server starts to listen, although connections made before it stay silent', async function () {
    this.timeout(20_000)
    // As QEMU's user-mode forward before the guest listens: every connection is accepted, those
    // made before `listenAt` never hear anything; later ones reach a real SSH server.
    const hostKey = ssh2.utils.generateKeyPairSync('ed25519').private
    const sshd = new ssh2.Server({ hostKeys: [hostKey] }, client => {
      client.on('authentication', ctx => ctx.accept()).on('ready', () => undefined).on('error', () => undefined)
    })
    const t0 = Date.now(), listenAt = 1500
    const held: Socket[] = []
    const fwd = createServer(s => { if (Date.now() - t0 < listenAt) held.push(s); else sshd.injectSocket(s) })
    await new Promise<void>(r => fwd.listen(0, '127.0.0.1', r))
    try {
      const session = await SshSession.connect(fakeInstance((fwd.address() as { port: number }).port, {}), key(), { deadlineMs: 15_000, tryTimeoutMs: 5000 })
      const ms = Date.now() - t0
      session.close()
      expect(ms, 'ms from start to SSH').to.be.greaterThan(listenAt).and.lessThan(listenAt + 1200)
    } finally {
      held.forEach(s => s.destroy())
      fwd.close()
    }
  })

  it('ignores connections closed without a word, and keeps at most 3 probes open at once', async function () {
    this.timeout(20_000)
    // Before `listenAt` every connection is closed at once (dropbear past its unauthenticated
    // limit does this); the wait must not hand such a socket to the handshake.
    const hostKey = ssh2.utils.generateKeyPairSync('ed25519').private
    const sshd = new ssh2.Server({ hostKeys: [hostKey] }, client => {
      client.on('authentication', ctx => ctx.accept()).on('ready', () => undefined).on('error', () => undefined)
    })
    const t0 = Date.now(), listenAt = 1500
    let open = 0, maxOpen = 0
    const fwd = createServer(s => {
      if (Date.now() - t0 < listenAt) { s.destroy(); return }
      open++; maxOpen = Math.max(maxOpen, open); s.on('close', () => { open-- })
      sshd.injectSocket(s)
    })
    await new Promise<void>(r => fwd.listen(0, '127.0.0.1', r))
    try {
      const session = await SshSession.connect(fakeInstance((fwd.address() as { port: number }).port, {}), key(), { deadlineMs: 15_000, tryTimeoutMs: 5000 })
      expect(Date.now() - t0, 'ms from start to SSH').to.be.lessThan(listenAt + 1500)
      session.close()
    } finally {
      fwd.close()
    }
    const held: Socket[] = []
    const silent = createServer(s => { held.push(s); open++; maxOpen = Math.max(maxOpen, open); s.on('close', () => { open-- }) })
    await new Promise<void>(r => silent.listen(0, '127.0.0.1', r))
    open = 0; maxOpen = 0
    try {
      await SshSession.connect(fakeInstance((silent.address() as { port: number }).port, {}), key(), { deadlineMs: 1500, tryTimeoutMs: 1200 }).catch(() => undefined)
      expect(maxOpen, 'connections open at once').to.be.at.most(3)
    } finally {
      held.forEach(s => s.destroy())
      silent.close()
    }
  })

  it("logs in only to a server with the image's host key; another key ends the wait at once, saying so", async function () {
    this.timeout(20_000)
    const ours = ssh2.utils.generateKeyPairSync('ed25519'), other = ssh2.utils.generateKeyPairSync('ed25519')
    const sshd = new ssh2.Server({ hostKeys: [ours.private] }, client => {
      client.on('authentication', ctx => ctx.accept()).on('ready', () => undefined).on('error', () => undefined)
    })
    await new Promise<void>(r => sshd.listen(0, '127.0.0.1', r))
    const p = (sshd.address() as { port: number }).port
    try {
      const session = await SshSession.connect(fakeInstance(p, {}), key(), { deadlineMs: 10_000, tryTimeoutMs: 2000, hostKey: ours.public })
      session.close()
      const t0 = Date.now()
      const err = await SshSession.connect(fakeInstance(p, {}), key(), { deadlineMs: 10_000, tryTimeoutMs: 1000, hostKey: other.public }).then(s => { s.close(); return null }, (e: unknown) => e)
      expect(err).to.be.instanceOf(BootError)
      expect((err as Error).message).to.match(/offered a host key that is not the image's/)
      expect(Date.now() - t0, 'ms until the wait gave up').to.be.lessThan(5000)
    } finally {
      sshd.close()
    }
  })
})

describe("the guests' host key (made by the image builder)", () => {
  it("is dropbear's ed25519 file (seed, then public key) matching the OpenSSH public key the client checks", () => {
    const dir = mkdtempSync(join(tmpdir(), 'mb-hostkey-'))
    try {
      const k = ensureHostKey(join(dir, 'h'))
      const str = (b: Buffer, at: number) => { const n = b.readUInt32BE(at); return { v: b.subarray(at + 4, at + 4 + n), next: at + 4 + n } }
      const t = str(k.dropbear, 0), body = str(k.dropbear, t.next)
      expect(t.v.toString()).to.equal('ssh-ed25519')
      expect(body.v.length).to.equal(64)
      expect(body.next).to.equal(k.dropbear.length)
      const blob = Buffer.from(k.pub.split(' ')[1]!, 'base64')
      const bt = str(blob, 0), bpub = str(blob, bt.next)
      expect(bt.v.toString()).to.equal('ssh-ed25519')
      expect(bpub.v.equals(body.v.subarray(32))).to.equal(true)
      // the seed signs what the public key verifies
      const priv = createPrivateKey({ key: { kty: 'OKP', crv: 'Ed25519', d: body.v.subarray(0, 32).toString('base64url'), x: bpub.v.toString('base64url') }, format: 'jwk' })
      const pub = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: bpub.v.toString('base64url') }, format: 'jwk' })
      expect(verify(null, Buffer.from('microbed'), pub, sign(null, Buffer.from('microbed'), priv))).to.equal(true)
      expect(ensureHostKey(join(dir, 'h')).pub, 'made once, then kept').to.equal(k.pub)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
