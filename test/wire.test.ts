// The wire peer without a VM: frames built and parsed byte for byte, and openWire against a fake
// QEMU that connects its chardevs to our sockets and speaks the filters' length-prefixed format.
import { expect } from 'chai'
import { existsSync } from 'node:fs'
import { createConnection, type Socket } from 'node:net'
import {
  BROADCAST, ETHERTYPE, IPPROTO_ICMP, buildArp, buildEthernet, buildIcmpEcho, buildIpv4, describeFrame, frameReader,
  inetChecksum, openWire, parseArp, parseEthernet, parseIcmpEcho, parseIpv4, vlanResponder, type WireVm,
} from '../orchestrator/vm/wire.ts'

const GUEST = { mac: '52:54:00:6d:62:02', ip: '127.80.100.15' }
const HOST = { mac: '02:00:00:00:01:00', ip: '127.80.100.1', vid: 100 }

/** QEMU as the wire sees it: chardev-add connects to our socket, filters bind to chardevs. */
class FakeQemu implements WireVm {
  log: string[] = []
  chardevs = new Map<string, Socket>()
  paths: string[] = []
  filters = new Map<string, Record<string, unknown>>()
  failOn: string | null = null
  /** What the redirector read from its chardev, as frames. */
  injected: Buffer[] = []

  async qmpExecute(cmd: string, args: Record<string, unknown> = {}): Promise<unknown> {
    const id = args.id as string
    this.log.push(`${cmd} ${id}`)
    if (this.failOn && `${cmd} ${args['qom-type'] ?? ''}`.trim() === this.failOn) throw new Error(`QMP error: {"class": "GenericError", "desc": "Invalid parameter 'netdev'"}`)
    if (cmd === 'chardev-add') {
      const path = ((args.backend as any).data.addr.data.path) as string
      this.paths.push(path)
      const sock = createConnection(path)
      await new Promise<void>((resolve, reject) => { sock.once('connect', resolve); sock.once('error', reject) })
      this.chardevs.set(id, sock)
    } else if (cmd === 'object-add') {
      this.filters.set(id, args)
      if (args['qom-type'] === 'filter-redirector') this.chardevs.get(args.indev as string)!.on('data', frameReader(f => this.injected.push(f)))
    } else if (cmd === 'object-del') {
      this.filters.delete(id)
    } else if (cmd === 'chardev-remove') {
      this.chardevs.get(id)!.destroy()
      this.chardevs.delete(id)
    }
    return {}
  }

  exited(): string | null { return null }

  /** The guest transmits: the mirror writes a copy to its chardev. */
  transmit(frame: Buffer) {
    const mirror = [...this.filters.values()].find(f => f['qom-type'] === 'filter-mirror')!
    const len = Buffer.alloc(4)
    len.writeUInt32BE(frame.length)
    this.chardevs.get(mirror.outdev as string)!.write(Buffer.concat([len, frame]))
  }
}

const until = async (cond: () => boolean, what: string) => {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise(r => setTimeout(r, 5))
  if (!cond()) throw new Error(`timed out waiting for ${what}`)
}

function guestArpRequest(vid: number) {
  return buildEthernet({ dst: BROADCAST, src: GUEST.mac, vlan: { vid }, type: ETHERTYPE.arp,
    payload: buildArp({ op: 'request', senderMac: GUEST.mac, senderIp: GUEST.ip, targetMac: '00:00:00:00:00:00', targetIp: HOST.ip }) })
}
function guestPing(vid: number, seq: number) {
  const icmp = buildIcmpEcho({ type: 'request', id: 0x1234, seq, data: Buffer.from('abcdefgh') })
  return buildEthernet({ dst: HOST.mac, src: GUEST.mac, vlan: { vid }, type: ETHERTYPE.ipv4, payload: buildIpv4({ src: GUEST.ip, dst: HOST.ip, proto: IPPROTO_ICMP, payload: icmp }) })
}

describe('wire frames', () => {
  it('computes the Internet checksum of RFC 1071 and of a textbook IPv4 header', () => {
    expect(inetChecksum(Buffer.from('0001f203f4f5f6f7', 'hex'))).to.equal(0x220d)
    expect(inetChecksum(Buffer.from('450000730000400040110000c0a80001c0a800c7', 'hex'))).to.equal(0xb861)
  })

  it('builds an 802.1Q-tagged frame with TPID 0x8100 and the TCI, padded to 60 bytes', () => {
    const f = buildEthernet({ dst: BROADCAST, src: GUEST.mac, vlan: { vid: 100, pcp: 5 }, type: ETHERTYPE.arp, payload: Buffer.alloc(28) })
    expect(f.length).to.equal(60)
    expect(f.subarray(12, 18).toString('hex')).to.equal('8100a0640806')
    expect(parseEthernet(f)).to.deep.include({ dst: BROADCAST, src: GUEST.mac, vlan: { vid: 100, pcp: 5, dei: false }, type: ETHERTYPE.arp })
    expect(parseEthernet(buildEthernet({ dst: BROADCAST, src: GUEST.mac, type: ETHERTYPE.ipv4, payload: Buffer.alloc(46) }))!.vlan).to.equal(undefined)
  })

  it('round-trips ARP, and an ICMP echo inside IPv4 with checksums the parsers accept', () => {
    const arp = { op: 'reply', senderMac: HOST.mac, senderIp: HOST.ip, targetMac: GUEST.mac, targetIp: GUEST.ip } as const
    expect(parseArp(buildArp(arp))).to.deep.equal(arp)
    const e = parseEthernet(guestPing(100, 7))!
    const ip = parseIpv4(e.payload)!
    expect(ip).to.deep.include({ src: GUEST.ip, dst: HOST.ip, proto: IPPROTO_ICMP })
    expect(parseIcmpEcho(ip.payload)).to.deep.include({ type: 'request', id: 0x1234, seq: 7 })
    expect(parseIcmpEcho(ip.payload)!.data.toString()).to.equal('abcdefgh')
  })

  it('rejects a corrupted IPv4 header or ICMP message', () => {
    const ipPkt = Buffer.from(parseEthernet(guestPing(100, 1))!.payload)
    const bad = Buffer.from(ipPkt); bad[8] = 1 // TTL changed, checksum not
    expect(parseIpv4(bad)).to.equal(null)
    const icmp = Buffer.from(parseIpv4(ipPkt)!.payload); icmp[9] ^= 0xff
    expect(parseIcmpEcho(icmp)).to.equal(null)
  })

  it('describes frames in one line', () => {
    expect(describeFrame(guestArpRequest(100))).to.equal(`${GUEST.mac} > ${BROADCAST} vlan 100 arp who-has ${HOST.ip} tell ${GUEST.ip}`)
    expect(describeFrame(guestPing(100, 3))).to.equal(`${GUEST.mac} > ${HOST.mac} vlan 100 ${GUEST.ip} > ${HOST.ip} icmp echo request id 4660 seq 3`)
  })

  it('splits the length-prefixed stream across reads of any size', () => {
    const frames = [guestArpRequest(1), guestPing(2, 1), guestPing(3, 2)]
    const stream = Buffer.concat(frames.flatMap(f => { const l = Buffer.alloc(4); l.writeUInt32BE(f.length); return [l, f] }))
    for (const step of [1, 3, 7, stream.length]) {
      const got: Buffer[] = []
      const read = frameReader(f => got.push(f))
      for (let i = 0; i < stream.length; i += step) read(stream.subarray(i, i + step))
      expect(got.map(f => f.toString('hex')), `reads of ${step} bytes`).to.deep.equal(frames.map(f => f.toString('hex')))
    }
  })
})

describe('wire on a fake QEMU', () => {
  it('adds a mirror on queue rx and a redirector on queue tx, and removes filters before chardevs', async () => {
    const q = new FakeQemu()
    const wire = await openWire(q)
    const mirror = [...q.filters.values()].find(f => f['qom-type'] === 'filter-mirror')!
    const redirector = [...q.filters.values()].find(f => f['qom-type'] === 'filter-redirector')!
    expect(mirror).to.include({ netdev: 'dut', queue: 'rx' })
    expect(redirector).to.include({ netdev: 'dut', queue: 'tx' })
    // The socket files go as soon as QEMU is connected.
    expect(q.paths).to.have.length(2)
    expect(q.paths.filter(p => existsSync(p) || Buffer.byteLength(p) >= 108)).to.deep.equal([])
    await wire.close()
    await wire.close()
    expect(q.log.slice(-4).map(l => l.split(' ')[0])).to.deep.equal(['object-del', 'object-del', 'chardev-remove', 'chardev-remove'])
    expect(q.filters.size + q.chardevs.size).to.equal(0)
    expect(() => wire.send(guestPing(1, 1))).to.throw(/closed/)
  })

  it('carries frames both ways, and waitFor names what it waited for', async () => {
    const q = new FakeQemu()
    const wire = await openWire(q)
    try {
      wire.send(guestPing(5, 1))
      await until(() => q.injected.length === 1, 'the injected frame')
      expect(q.injected[0]!.equals(guestPing(5, 1))).to.equal(true)
      const arrived = wire.waitFor(f => parseEthernet(f)?.vlan?.vid === 9, 2000, 'frame on VLAN 9')
      q.transmit(guestPing(8, 1))
      q.transmit(guestPing(9, 1))
      expect(parseEthernet(await arrived)!.vlan!.vid).to.equal(9)
      expect(wire.frames().length).to.equal(2)
      const missing = wire.waitFor(() => false, 50, 'frame on VLAN 4000')
      q.transmit(guestArpRequest(8))
      await missing.then(() => { throw new Error('resolved') }, (e: Error) => {
        expect(e.message).to.match(/no frame on VLAN 4000 from the guest within 50 ms \(1 other frames; last: .* vlan 8 arp who-has/)
      })
    } finally { await wire.close() }
  })

  it('says which object QEMU refused and why, and undoes what it had added', async () => {
    const q = new FakeQemu()
    q.failOn = 'object-add filter-redirector'
    let err: Error | null = null
    await openWire(q).catch(e => { err = e })
    expect(err!.message).to.match(/object-add filter-redirector \S+ failed: .*Invalid parameter 'netdev'/)
    expect(q.filters.size + q.chardevs.size).to.equal(0)
  })
})

describe('VLAN responder on a fake QEMU', () => {
  it('answers ARP and ping on its VLAN with replies tagged the same, and counts what it sees', async () => {
    const q = new FakeQemu()
    const wire = await openWire(q)
    try {
      const r = vlanResponder(wire, HOST)
      q.transmit(guestArpRequest(200)) // another VLAN: counted, not answered
      q.transmit(buildEthernet({ dst: BROADCAST, src: GUEST.mac, type: ETHERTYPE.arp, payload: parseEthernet(guestArpRequest(0))!.payload }))
      q.transmit(guestArpRequest(100))
      for (let seq = 1; seq <= 3; seq++) q.transmit(guestPing(100, seq))
      await until(() => q.injected.length === 4, 'four replies')
      const replies = q.injected.map(f => parseEthernet(f)!)
      expect(replies.map(e => e.vlan)).to.deep.equal(Array(4).fill({ vid: 100, pcp: 0, dei: false }))
      expect(parseArp(replies[0]!.payload)).to.deep.equal({ op: 'reply', senderMac: HOST.mac, senderIp: HOST.ip, targetMac: GUEST.mac, targetIp: GUEST.ip })
      const echo = replies.slice(1).map(e => { const ip = parseIpv4(e.payload)!; return { dst: e.dst, ip: `${ip.src}>${ip.dst}`, ...parseIcmpEcho(ip.payload)! } })
      expect(echo.map(x => [x.dst, x.ip, x.type, x.seq, x.data.toString()])).to.deep.equal([1, 2, 3].map(s => [GUEST.mac, `${HOST.ip}>${GUEST.ip}`, 'reply', s, 'abcdefgh']))
      expect(r.counts).to.deep.equal({ taggedByVid: new Map([[200, 1], [100, 4]]), untagged: 1, arpReplies: 1, echoReplies: 3 })
      r.stop()
    } finally { await wire.close() }
  })
})
