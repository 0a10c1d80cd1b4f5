// QEMU's command line, built from a plain description so it can be tested without a VM.
// Guest addresses come from the loopback range: QEMU's user networking is given 127.x subnets
// (and restrict=on, so the guest reaches nothing but the forwards), the guest routes them with
// route_localnet. No other address is ever used.

export const MGMT = { mac: '52:54:00:6d:62:01', net: '127.77.0.0/24', host: '127.77.0.2', guest: '127.77.0.15', prefix: 24 }
export const DUT_USER = { mac: '52:54:00:6d:62:02', net: '127.78.0.0/24', host: '127.78.0.2', guest: '127.78.0.15', prefix: 24 }
export const DUT_TAP = { mac: DUT_USER.mac, host: '127.79.0.1', guest: '127.79.0.15', prefix: 24 }

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
  append?: string
}

/** The guest address of the NIC under test and the address of its host side, per backend. */
export function dutAddresses(backend: DutBackend['type']) {
  return backend === 'tap' ? DUT_TAP : DUT_USER
}

export function kernelCommandLine(c: QemuConfig): string {
  const parts = [
    'console=ttyS0', 'loglevel=5', 'log_buf_len=1M', 'panic=-1', '8250.nr_uarts=1',
    `microbed.modules=${c.modules.join(',')}`,
    `microbed.mgmt=${MGMT.mac},${MGMT.guest}/${MGMT.prefix}`,
  ]
  if (c.dut) {
    const a = dutAddresses(c.dut.backend.type)
    parts.push(`microbed.dut=${a.mac},${a.guest}/${a.prefix}`)
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
  if (c.dut) {
    const b = c.dut.backend
    if (b.type === 'user') {
      const fwd = b.forwards.map(f => `,hostfwd=tcp:127.0.0.1:${f.hostPort}-${DUT_USER.guest}:${f.guestPort}`).join('')
      args.push('-netdev', `user,id=dut,restrict=on,net=${DUT_USER.net},host=${DUT_USER.host}${fwd}`)
    } else {
      args.push('-netdev', `tap,id=dut,ifname=${b.ifname},script=no,downscript=no`)
    }
    args.push('-device', `${c.dut.model},netdev=dut,mac=${DUT_USER.mac},romfile=`)
  }
  return args
}
