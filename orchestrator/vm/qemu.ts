// QEMU's command line, built from a plain description so it can be tested without a VM.
// Guest addresses come from the loopback range: QEMU's user networking is given 127.x subnets
// (and restrict=on, so the guest reaches nothing but the forwards), the guest routes them with
// route_localnet. No other address is ever used.

export const MGMT = { mac: '52:54:00:6d:62:01', net: '127.77.0.0/24', host: '127.77.0.2', guest: '127.77.0.15', prefix: 24 }
export const DUT_USER = { mac: '52:54:00:6d:62:02', net: '127.78.0.0/24', host: '127.78.0.2', guest: '127.78.0.15', prefix: 24 }
export const DUT_TAP = { mac: DUT_USER.mac, host: '127.79.0.1', guest: '127.79.0.15', prefix: 24 }
/** The second NIC under test (--nic both): dut1, its own back-end and subnet (127.80 is
 *  functional's VLAN subnet). */
export const DUT1_USER = { mac: '52:54:00:6d:62:03', net: '127.81.0.0/24', host: '127.81.0.2', guest: '127.81.0.15', prefix: 24 }
export const DUT1_TAP = { mac: DUT1_USER.mac, host: '127.82.0.1', guest: '127.82.0.15', prefix: 24 }
/** QEMU's netdev id of each NIC under test (QMP set_link and the wire's filters name it). */
export const DUT_NETDEVS = ['dut', 'dut1'] as const

export const GUEST_SSH_PORT = 22
export const GUEST_IPERF_PORT = 5201

export type DutBackend =
  | { type: 'user'; forwards: { hostPort: number; guestPort: number }[] }
  | { type: 'tap'; ifname: string }

export interface QemuConfig {
  qemu?: string
  kernel: string
  initramfs: string
  accel: 'kvm' | 'tcg'
  memoryMiB: number
  cpus: number
  consoleLog: string
  qmpSocket: string
  sshPort: number
  /** Top-level modules the guest loads at boot. */
  modules: string[]
  dut?: { model: string; backend: DutBackend }
  /** A second NIC under test, guest interface dut1 (same kind of back-end as dut). */
  dut1?: { model: string; backend: DutBackend }
  append?: string
}

/** The guest address of a NIC under test (dut0 or dut1) and the address of its host side, per backend. */
export function dutAddresses(backend: DutBackend['type'], index = 0) {
  if (index === 1) return backend === 'tap' ? DUT1_TAP : DUT1_USER
  return backend === 'tap' ? DUT_TAP : DUT_USER
}

const duts = (c: QemuConfig) => [c.dut, c.dut1].flatMap((d, i) => d ? [{ ...d, index: i }] : [])

export function kernelCommandLine(c: QemuConfig): string {
  const parts = [
    'console=ttyS0', 'loglevel=5', 'log_buf_len=1M', 'panic=-1', '8250.nr_uarts=1',
    // PCI interrupts routed by the BIOS's $PIR table, not by ACPI's interrupt links: each link's
    // AML (_PRS/_SRS/_CRS) ran for 110-180 ms per device under TCG, and gave the same IRQs.
    'acpi=noirq',
    `microbed.modules=${c.modules.join(',')}`,
    `microbed.mgmt=${MGMT.mac},${MGMT.guest}/${MGMT.prefix}`,
  ]
  for (const d of duts(c)) {
    const a = dutAddresses(d.backend.type, d.index)
    parts.push(`microbed.${d.index ? `dut${d.index}` : 'dut'}=${a.mac},${a.guest}/${a.prefix}`)
  }
  if (c.append) parts.push(c.append)
  return parts.join(' ')
}

export function qemuArgs(c: QemuConfig): string[] {
  const args = [
    '-name', 'microbed',
    '-nodefaults', '-no-user-config', '-display', 'none', '-no-reboot',
    '-machine', `pc,accel=${c.accel}`,
    '-cpu', c.accel === 'kvm' ? 'host' : 'max', // max gives RDRAND: no entropy stall in the SSH server
    '-smp', String(c.cpus),
    '-m', String(c.memoryMiB),
    '-kernel', c.kernel, // the ELF vmlinux: QEMU boots it through PVH
    '-initrd', c.initramfs,
    '-append', kernelCommandLine(c),
    '-chardev', `file,id=console,path=${c.consoleLog}`,
    '-serial', 'chardev:console',
    '-qmp', `unix:${c.qmpSocket},server=on,wait=off`,
    '-netdev', `user,id=mgmt,restrict=on,net=${MGMT.net},host=${MGMT.host},hostfwd=tcp:127.0.0.1:${c.sshPort}-${MGMT.guest}:${GUEST_SSH_PORT}`,
    '-device', `virtio-net-pci,netdev=mgmt,mac=${MGMT.mac},romfile=`,
  ]
  if (c.dut1 && !c.dut) throw new Error('dut1 needs a dut')
  for (const d of duts(c)) {
    const b = d.backend
    const id = DUT_NETDEVS[d.index]
    const a = d.index ? DUT1_USER : DUT_USER
    if (b.type === 'user') {
      const fwd = b.forwards.map(f => `,hostfwd=tcp:127.0.0.1:${f.hostPort}-${a.guest}:${f.guestPort}`).join('')
      args.push('-netdev', `user,id=${id},restrict=on,net=${a.net},host=${a.host}${fwd}`)
    } else {
      args.push('-netdev', `tap,id=${id},ifname=${b.ifname},script=no,downscript=no`)
    }
    args.push('-device', `${d.model},netdev=${id},mac=${a.mac},romfile=`)
  }
  return args
}
