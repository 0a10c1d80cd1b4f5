// A programmable wire peer for the NIC under test, whatever its backend (slirp or tap): two QEMU
// net filters on the `dut` netdev, added at run time through QMP. A filter-redirector injects our
// frames as if received from the cable; a filter-mirror copies every frame the guest transmits to
// us. The backend keeps its own traffic both ways, so a wire works beside the normal peer — and
// can play peers the backend cannot, such as an 802.1Q host (slirp drops tagged frames, and this
// host has no 8021q).
//
// Each filter talks to a socket chardev in QEMU's filter wire format: a 4-byte big-endian length,
// then the frame (vnet_hdr_support off). We listen and QEMU connects as a client: chardev-add then
// returns with the channel up, and the socket files are ours to remove.
import { rmSync } from 'node:fs'
import { createServer, type Server, type Socket } from 'node:net'
import { onCleanup } from '../base/cleanup.ts'
import { HostError, errorMessage } from '../base/errors.ts'

/** What a wire needs from the VM (QemuVm has both); small, so tests can fake QEMU. */
export interface WireVm {
  qmpExecute(cmd: string, args?: Record<string, unknown>, timeoutMs?: number): Promise<unknown>
  /** Non-null once QEMU has exited: close() then skips the QMP undo. */
  exited(): string | null
}

export interface Wire {
  /** Puts a frame on the cable toward the guest's NIC (no FCS; pad to 60 bytes for a legal frame).
   *  QEMU holds a frame the NIC cannot take yet (link still negotiating, RX off) and delivers it
   *  later; a guest just booted may then answer before its driver has carrier, and the answer is
   *  lost: wait for dut0's operstate to be up first. */
  send(frame: Buffer): void
  /** Calls `cb` with every frame the guest transmits from now on; returns the unsubscribe. */
  onFrame(cb: (frame: Buffer) => void): () => void
  /** Frames the guest transmitted since open (the last `keep` of them), oldest first. */
  frames(): Buffer[]
  /** The first frame from now on that `pred` accepts; `what` names it in the timeout error.
   *  Start waiting before triggering the guest: the frame cannot arrive before the next turn. */
  waitFor(pred: (frame: Buffer) => boolean, timeoutMs: number, what: string): Promise<Buffer>
  /** Removes the filters and chardevs, closes the sockets. Idempotent. */
  close(): Promise<void>
}

export interface WireOptions {
  /** The netdev of the NIC under test. */
  netdev?: string
  /** How many transmitted frames frames() keeps. */
  keep?: number
}

/** The filter queues, named from the netdev's side (QEMU net/filter.c: tx is what the netdev
 *  sends, i.e. toward the guest; rx is what it receives, i.e. what the guest sends). Verified
 *  on e1000 with slirp and tap: a redirector on rx hands frames to the backend instead. */
const INJECT_QUEUE = 'tx'
const MIRROR_QUEUE = 'rx'
/** QEMU's NET_BUFSIZE: a longer frame makes the redirector stop reading its chardev for good. */
const MAX_FRAME = 4096 + 65536
const CONNECT_MS = 5000

let wireCounter = 0

export async function openWire(vm: WireVm, opts: WireOptions = {}): Promise<Wire> {
  const netdev = opts.netdev ?? 'dut'
  const keep = opts.keep ?? 10_000
  // QOM ids: a letter first, then letters, digits, '-'; unique per process and per wire.
  const tag = `mbwire${process.pid}-${++wireCounter}`
  const ids = { inChr: `${tag}-in`, outChr: `${tag}-out`, redirector: `${tag}-inject`, mirror: `${tag}-mirror` }
  // QMP undo steps, most recent first; a failed open runs them as close() does.
  const undo: { what: string; cmd: string; id: string }[] = []
  const sockets: Socket[] = []
  const captured: Buffer[] = []
  const listeners = new Set<(f: Buffer) => void>()
  const waiters = new Set<(e: Error) => void>() // pending waitFor calls, failed by close()
  let lost: string | null = null
  let closing: Promise<void> | null = null

  const qmp = async (what: string, cmd: string, args: Record<string, unknown>) => {
    try {
      await vm.qmpExecute(cmd, args)
    } catch (e) {
      throw new HostError(`wire on netdev ${netdev}: ${what} failed: ${qemuSaid(errorMessage(e))}`, { cause: e })
    }
  }

  async function close(): Promise<void> {
    closing ??= (async () => {
      let firstError: unknown = null
      for (const step of undo.splice(0)) {
        if (vm.exited()) break // the filters went with QEMU
        try { await qmp(`removing ${step.what}`, step.cmd, { id: step.id }) } catch (e) { firstError ??= e }
      }
      for (const s of sockets) s.destroy()
      listeners.clear()
      for (const fail of [...waiters]) fail(new Error(`wire on netdev ${netdev} closed while waiting`))
      if (firstError) throw firstError
    })()
    return closing
  }

  try {
    const inSock = await chardev(ids.inChr, 'injection')
    const outSock = await chardev(ids.outChr, 'capture')
    inSock.on('data', () => { /* QEMU never writes on the injection channel */ })
    outSock.on('data', frameReader(frame => {
      captured.push(frame)
      if (captured.length > keep) captured.shift()
      for (const cb of [...listeners]) cb(frame)
    }))
    for (const s of [inSock, outSock]) {
      s.on('error', e => { lost ??= `channel error: ${e.message}` })
      s.on('close', () => { lost ??= vm.exited() ? `QEMU exited (${vm.exited()})` : 'QEMU closed the channel' })
    }
    // Separate queues, so the mirror never sees our injections: frames() is the guest's alone.
    await qmp(`object-add filter-mirror ${ids.mirror}`, 'object-add',
      { 'qom-type': 'filter-mirror', id: ids.mirror, netdev, outdev: ids.outChr, queue: MIRROR_QUEUE })
    undo.unshift({ what: `filter-mirror ${ids.mirror}`, cmd: 'object-del', id: ids.mirror })
    await qmp(`object-add filter-redirector ${ids.redirector}`, 'object-add',
      { 'qom-type': 'filter-redirector', id: ids.redirector, netdev, indev: ids.inChr, queue: INJECT_QUEUE })
    undo.unshift({ what: `filter-redirector ${ids.redirector}`, cmd: 'object-del', id: ids.redirector })

    return {
      send(frame: Buffer) {
        if (closing) throw new Error(`wire on netdev ${netdev} is closed`)
        if (lost) throw new HostError(`wire on netdev ${netdev} is down: ${lost}`)
        if (frame.length < 14 || frame.length > MAX_FRAME) throw new RangeError(`wire: a frame of ${frame.length} bytes cannot be sent (14..${MAX_FRAME})`)
        const len = Buffer.alloc(4)
        len.writeUInt32BE(frame.length)
        inSock.write(Buffer.concat([len, frame]))
      },
      onFrame(cb) {
        listeners.add(cb)
        return () => { listeners.delete(cb) }
      },
      frames: () => [...captured],
      waitFor(pred, timeoutMs, what) {
        return new Promise((resolve, reject) => {
          let seen = 0
          const recent: string[] = []
          const stop = () => { clearTimeout(timer); listeners.delete(check); waiters.delete(fail) }
          const fail = (e: Error) => { stop(); reject(e) }
          const check = (f: Buffer) => {
            seen++
            if (pred(f)) { stop(); resolve(f); return }
            recent.push(describeFrame(f))
            if (recent.length > 5) recent.shift()
          }
          const timer = setTimeout(() => {
            stop()
            reject(new Error(`wire on netdev ${netdev}: no ${what} from the guest within ${timeoutMs} ms` +
              (seen ? ` (${seen} other frames; last: ${recent.join('; ')})` : ' (the guest sent nothing)') + (lost ? `; ${lost}` : '')))
          }, timeoutMs)
          listeners.add(check)
          waiters.add(fail)
        })
      },
      close,
    }
  } catch (e) {
    await close().catch(() => { /* the open error is the one to report */ })
    throw e
  }

  /** Listens on a fresh socket, has QEMU connect a chardev to it, removes the file once connected. */
  async function chardev(id: string, role: string): Promise<Socket> {
    // sun_path holds 108 bytes: short, in /tmp.
    const path = `/tmp/${id}.sock`
    const unregister = onCleanup(`wire socket ${path}`, () => rmSync(path, { force: true }))
    const server: Server = createServer()
    let timer: NodeJS.Timeout | undefined
    let failed = false
    try {
      rmSync(path, { force: true }) // left by a killed run whose pid this process now has
      await new Promise<void>((resolve, reject) => { server.once('error', reject); server.listen(path, resolve) })
      const accepted = new Promise<Socket>((resolve, reject) => {
        timer = setTimeout(() => reject(new HostError(`wire on netdev ${netdev}: QEMU did not connect chardev ${id} to ${path} within ${CONNECT_MS} ms`)), CONNECT_MS)
        server.once('connection', resolve)
      })
      // A connection that comes after we gave up (QMP timed out) is closed, not kept.
      accepted.then(s => { if (failed) s.destroy() }, () => { /* reported through the await below, or superseded by the QMP error */ })
      // Undo first: QEMU may have added the chardev even if its answer never came.
      undo.unshift({ what: `chardev ${id}`, cmd: 'chardev-remove', id })
      await qmp(`chardev-add ${id} (${role} channel, client of ${path})`, 'chardev-add',
        { id, backend: { type: 'socket', data: { addr: { type: 'unix', data: { path } }, server: false } } })
      const sock = await accepted
      sockets.push(sock)
      return sock
    } catch (e) {
      failed = true
      throw e
    } finally {
      clearTimeout(timer)
      server.close()
      rmSync(path, { force: true })
      unregister()
    }
  }
}

/** QEMU's own words from a QMP error ("QMP error: {class, desc}"); other errors as they are. */
function qemuSaid(message: string): string {
  const json = /^QMP error: (\{.*\})$/.exec(message)?.[1]
  try { if (json) return `QEMU said: ${(JSON.parse(json) as { desc: string }).desc}` } catch { /* not JSON after all */ }
  return message
}

/** Splits QEMU's length-prefixed stream into frames, across reads of any size. */
export function frameReader(onFrame: (frame: Buffer) => void): (chunk: Buffer) => void {
  let buf: Buffer = Buffer.alloc(0)
  return chunk => {
    buf = buf.length ? Buffer.concat([buf, chunk]) : chunk
    while (buf.length >= 4) {
      const len = buf.readUInt32BE(0)
      if (buf.length < 4 + len) break
      onFrame(Buffer.from(buf.subarray(4, 4 + len))) // a copy: a kept frame must not pin the whole read
      buf = buf.subarray(4 + len)
    }
  }
}

// ---- Frames: Ethernet with an optional 802.1Q tag, ARP, IPv4, ICMP echo ----

export const ETHERTYPE = { ipv4: 0x0800, arp: 0x0806, vlan: 0x8100 } as const
export const IPPROTO_ICMP = 1
export const BROADCAST = 'ff:ff:ff:ff:ff:ff'
/** Shortest legal Ethernet frame without FCS. */
export const MIN_FRAME = 60

export interface Vlan { vid: number; pcp?: number; dei?: boolean }
export interface Ethernet { dst: string; src: string; vlan?: Vlan; type: number; payload: Buffer }

export function macBytes(mac: string): Buffer {
  const b = Buffer.from(mac.split(':').map(h => parseInt(h, 16)))
  if (b.length !== 6 || !/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/i.test(mac)) throw new Error(`not a MAC address: ${mac}`)
  return b
}
export const macString = (b: Buffer) => [...b].map(x => x.toString(16).padStart(2, '0')).join(':')

export function ipBytes(ip: string): Buffer {
  const parts = ip.split('.').map(Number)
  if (parts.length !== 4 || parts.some(p => !Number.isInteger(p) || p < 0 || p > 255)) throw new Error(`not an IPv4 address: ${ip}`)
  return Buffer.from(parts)
}
export const ipString = (b: Buffer) => [...b].join('.')

/** An Ethernet frame, tagged when `vlan` is given, padded to 60 bytes. */
export function buildEthernet(e: Ethernet): Buffer {
  const head = Buffer.alloc(e.vlan ? 18 : 14)
  macBytes(e.dst).copy(head, 0)
  macBytes(e.src).copy(head, 6)
  let off = 12
  if (e.vlan) {
    const { vid, pcp = 0, dei = false } = e.vlan
    if (vid < 0 || vid > 4095 || pcp < 0 || pcp > 7) throw new RangeError(`bad 802.1Q tag: vid ${vid} pcp ${pcp}`)
    head.writeUInt16BE(ETHERTYPE.vlan, 12)
    head.writeUInt16BE((pcp << 13) | (dei ? 0x1000 : 0) | vid, 14)
    off = 16
  }
  head.writeUInt16BE(e.type, off)
  const frame = Buffer.concat([head, e.payload])
  return frame.length >= MIN_FRAME ? frame : Buffer.concat([frame, Buffer.alloc(MIN_FRAME - frame.length)])
}

/** Null for a runt. The payload keeps any padding: the layer above knows its own length. */
export function parseEthernet(f: Buffer): Ethernet | null {
  if (f.length < 14) return null
  const dst = macString(f.subarray(0, 6)), src = macString(f.subarray(6, 12))
  const type = f.readUInt16BE(12)
  if (type !== ETHERTYPE.vlan) return { dst, src, type, payload: f.subarray(14) }
  if (f.length < 18) return null
  const tci = f.readUInt16BE(14)
  return { dst, src, vlan: { vid: tci & 0xfff, pcp: tci >> 13, dei: (tci & 0x1000) !== 0 }, type: f.readUInt16BE(16), payload: f.subarray(18) }
}

export interface Arp { op: 'request' | 'reply'; senderMac: string; senderIp: string; targetMac: string; targetIp: string }

/** An ARP packet for IPv4 over Ethernet (RFC 826). */
export function buildArp(a: Arp): Buffer {
  const b = Buffer.alloc(28)
  b.writeUInt16BE(1, 0) // hardware: Ethernet
  b.writeUInt16BE(ETHERTYPE.ipv4, 2)
  b[4] = 6; b[5] = 4
  b.writeUInt16BE(a.op === 'request' ? 1 : 2, 6)
  macBytes(a.senderMac).copy(b, 8); ipBytes(a.senderIp).copy(b, 14)
  macBytes(a.targetMac).copy(b, 18); ipBytes(a.targetIp).copy(b, 24)
  return b
}

export function parseArp(p: Buffer): Arp | null {
  if (p.length < 28 || p.readUInt16BE(0) !== 1 || p.readUInt16BE(2) !== ETHERTYPE.ipv4 || p[4] !== 6 || p[5] !== 4) return null
  const op = p.readUInt16BE(6)
  if (op !== 1 && op !== 2) return null
  return {
    op: op === 1 ? 'request' : 'reply',
    senderMac: macString(p.subarray(8, 14)), senderIp: ipString(p.subarray(14, 18)),
    targetMac: macString(p.subarray(18, 24)), targetIp: ipString(p.subarray(24, 28)),
  }
}

/** The Internet checksum (RFC 1071) of `b`. */
export function inetChecksum(b: Buffer): number {
  let sum = 0
  for (let i = 0; i + 1 < b.length; i += 2) sum += b.readUInt16BE(i)
  if (b.length & 1) sum += b[b.length - 1]! << 8
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16)
  return ~sum & 0xffff
}

export interface Ipv4 { src: string; dst: string; proto: number; ttl?: number; id?: number; payload: Buffer }

/** An IPv4 packet without options, DF set, header checksum filled in. */
export function buildIpv4(p: Ipv4): Buffer {
  const h = Buffer.alloc(20)
  h[0] = 0x45
  h.writeUInt16BE(20 + p.payload.length, 2)
  h.writeUInt16BE(p.id ?? 0, 4)
  h.writeUInt16BE(0x4000, 6) // DF
  h[8] = p.ttl ?? 64
  h[9] = p.proto
  ipBytes(p.src).copy(h, 12)
  ipBytes(p.dst).copy(h, 16)
  h.writeUInt16BE(inetChecksum(h), 10)
  return Buffer.concat([h, p.payload])
}

/** Null unless a whole, unfragmented IPv4 packet with a good header checksum; drops link padding. */
export function parseIpv4(b: Buffer): Ipv4 | null {
  if (b.length < 20 || b[0]! >> 4 !== 4) return null
  const ihl = (b[0]! & 0xf) * 4
  const total = b.readUInt16BE(2)
  if (ihl < 20 || total < ihl || total > b.length || inetChecksum(b.subarray(0, ihl)) !== 0) return null
  if ((b.readUInt16BE(6) & 0x3fff) !== 0) return null // a fragment
  return { src: ipString(b.subarray(12, 16)), dst: ipString(b.subarray(16, 20)), proto: b[9]!, ttl: b[8]!, id: b.readUInt16BE(4), payload: b.subarray(ihl, total) }
}

export interface IcmpEcho { type: 'request' | 'reply'; id: number; seq: number; data: Buffer }

export function buildIcmpEcho(e: IcmpEcho): Buffer {
  const b = Buffer.concat([Buffer.alloc(8), e.data])
  b[0] = e.type === 'request' ? 8 : 0
  b.writeUInt16BE(e.id, 4)
  b.writeUInt16BE(e.seq, 6)
  b.writeUInt16BE(inetChecksum(b), 2)
  return b
}

/** Null unless an echo request or reply with a good checksum. */
export function parseIcmpEcho(b: Buffer): IcmpEcho | null {
  if (b.length < 8 || (b[0] !== 8 && b[0] !== 0) || b[1] !== 0 || inetChecksum(b) !== 0) return null
  return { type: b[0] === 8 ? 'request' : 'reply', id: b.readUInt16BE(4), seq: b.readUInt16BE(6), data: b.subarray(8) }
}

/** One line per frame, for errors and logs: "src > dst vlan 100 arp request who-has ...". */
export function describeFrame(f: Buffer): string {
  const e = parseEthernet(f)
  if (!e) return `runt of ${f.length} bytes`
  let s = `${e.src} > ${e.dst}${e.vlan ? ` vlan ${e.vlan.vid}` : ''}`
  const arp = e.type === ETHERTYPE.arp ? parseArp(e.payload) : null
  const ip = e.type === ETHERTYPE.ipv4 ? parseIpv4(e.payload) : null
  const icmp = ip?.proto === IPPROTO_ICMP ? parseIcmpEcho(ip.payload) : null
  if (arp) s += arp.op === 'request' ? ` arp who-has ${arp.targetIp} tell ${arp.senderIp}` : ` arp ${arp.senderIp} is-at ${arp.senderMac}`
  else if (icmp) s += ` ${ip!.src} > ${ip!.dst} icmp echo ${icmp.type} id ${icmp.id} seq ${icmp.seq}`
  else if (ip) s += ` ${ip.src} > ${ip.dst} proto ${ip.proto}`
  else s += ` type 0x${e.type.toString(16).padStart(4, '0')} len ${f.length}`
  return s
}

// ---- A VLAN host on the wire ----

export interface VlanResponderCounts {
  /** Frames the guest sent, per VID of their 802.1Q tag. */
  taggedByVid: Map<number, number>
  untagged: number
  arpReplies: number
  echoReplies: number
}

export interface VlanResponder {
  counts: VlanResponderCounts
  stop(): void
}

/** Answers, on VLAN `vid`, ARP requests for `ip` and ICMP echo requests to `ip` as the host `mac`
 *  (replies tagged with `vid`, PCP 0); ignores everything else but counts what the guest sends. */
export function vlanResponder(wire: Wire, host: { vid: number; ip: string; mac: string }): VlanResponder {
  const counts: VlanResponderCounts = { taggedByVid: new Map(), untagged: 0, arpReplies: 0, echoReplies: 0 }
  const vlan = { vid: host.vid, pcp: 0 }
  // Runs in the capture socket's data handler: a wire gone meanwhile costs the answer, not the process.
  const answer = (f: Buffer) => { try { wire.send(f); return true } catch { return false } }
  const stop = wire.onFrame(frame => {
    const e = parseEthernet(frame)
    if (!e) return
    if (!e.vlan) { counts.untagged++; return }
    counts.taggedByVid.set(e.vlan.vid, (counts.taggedByVid.get(e.vlan.vid) ?? 0) + 1)
    if (e.vlan.vid !== host.vid) return
    if (e.type === ETHERTYPE.arp) {
      const arp = parseArp(e.payload)
      if (arp?.op !== 'request' || arp.targetIp !== host.ip) return
      const reply = buildArp({ op: 'reply', senderMac: host.mac, senderIp: host.ip, targetMac: arp.senderMac, targetIp: arp.senderIp })
      if (answer(buildEthernet({ dst: arp.senderMac, src: host.mac, vlan, type: ETHERTYPE.arp, payload: reply }))) counts.arpReplies++
    } else if (e.type === ETHERTYPE.ipv4 && e.dst === host.mac) {
      const ip = parseIpv4(e.payload)
      if (ip?.dst !== host.ip || ip.proto !== IPPROTO_ICMP) return
      const echo = parseIcmpEcho(ip.payload)
      if (echo?.type !== 'request') return
      const icmp = buildIcmpEcho({ type: 'reply', id: echo.id, seq: echo.seq, data: echo.data })
      if (answer(buildEthernet({ dst: e.src, src: host.mac, vlan, type: ETHERTYPE.ipv4, payload: buildIpv4({ src: host.ip, dst: ip.src, proto: IPPROTO_ICMP, payload: icmp }) }))) counts.echoReplies++
    }
  })
  return { counts, stop }
}
