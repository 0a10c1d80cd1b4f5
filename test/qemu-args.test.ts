// QEMU's command line, built without starting QEMU.
import { expect } from 'chai'
import { DUT1_USER, DUT_USER, MGMT, dutAddresses, kernelCommandLine, qemuArgs, type QemuConfig } from '../orchestrator/vm/qemu.ts'

const base: QemuConfig = {
  kernel: '/k/vmlinux', initramfs: '/k/initramfs.cpio', accel: 'tcg', memoryMiB: 512, cpus: 1,
  consoleLog: '/r/console.log', qmpSocket: '/tmp/q.sock', sshPort: 40022, modules: ['virtio_pci', 'virtio_net', 'e1000'],
  dut: { model: 'e1000', backend: { type: 'user', forwards: [{ hostPort: 40521, guestPort: 5201 }] } },
}
const after = (args: string[], flag: string) => args.filter((_, i) => args[i - 1] === flag)

describe('QEMU argument builder', () => {
  it('boots the PVH vmlinux with the initramfs and -cpu max under TCG', () => {
    const a = qemuArgs(base)
    expect(after(a, '-kernel')).to.deep.equal(['/k/vmlinux'])
    expect(after(a, '-initrd')).to.deep.equal(['/k/initramfs.cpio'])
    expect(after(a, '-machine')).to.deep.equal(['pc,accel=tcg'])
    expect(after(a, '-cpu')).to.deep.equal(['max'])
    expect(a).to.include.members(['-nodefaults', '-no-reboot'])
  })

  it('uses -cpu host and accel=kvm under KVM', () => {
    const a = qemuArgs({ ...base, accel: 'kvm' })
    expect(after(a, '-machine')).to.deep.equal(['pc,accel=kvm'])
    expect(after(a, '-cpu')).to.deep.equal(['host'])
  })

  it('forwards SSH from a loopback port to the management NIC, on a loopback-range network', () => {
    const net = after(qemuArgs(base), '-netdev')
    expect(net[0]).to.equal(`user,id=mgmt,restrict=on,net=${MGMT.net},host=${MGMT.host},hostfwd=tcp:127.0.0.1:40022-${MGMT.guest}:22`)
    expect(after(qemuArgs(base), '-device')[0]).to.equal(`virtio-net-pci,netdev=mgmt,mac=${MGMT.mac},romfile=`)
  })

  it('puts the NIC under test on its own back-end, with its forwards', () => {
    const a = qemuArgs(base)
    expect(after(a, '-netdev')[1]).to.equal(`user,id=dut,restrict=on,net=${DUT_USER.net},host=${DUT_USER.host},hostfwd=tcp:127.0.0.1:40521-${DUT_USER.guest}:5201`)
    expect(after(a, '-device')[1]).to.equal(`e1000,netdev=dut,mac=${DUT_USER.mac},romfile=`)
    const r = qemuArgs({ ...base, dut: { model: 'rtl8139', backend: { type: 'tap', ifname: 'mbt1x0' } } })
    expect(after(r, '-netdev')[1]).to.equal('tap,id=dut,ifname=mbt1x0,script=no,downscript=no')
    expect(after(r, '-device')[1]).to.match(/^rtl8139,netdev=dut,/)
  })

  it('only ever hands the guest loopback-range addresses', () => {
    for (const a of [...qemuArgs(base), kernelCommandLine(base)].join(' ').matchAll(/\b(\d+)\.\d+\.\d+\.\d+\b/g)) expect(a[1]).to.equal('127')
  })

  it('captures the console to a file and opens QMP on a unix socket', () => {
    const a = qemuArgs(base)
    expect(after(a, '-chardev')).to.deep.equal(['file,id=console,path=/r/console.log'])
    expect(after(a, '-serial')).to.deep.equal(['chardev:console'])
    expect(after(a, '-qmp')).to.deep.equal(['unix:/tmp/q.sock,server=on,wait=off'])
  })

  it('tells the guest which modules to load and names NICs by MAC on the kernel command line', () => {
    const cmdline = kernelCommandLine({ ...base, append: 'foo=1' })
    expect(cmdline).to.include('console=ttyS0').and.include('panic=-1')
    expect(cmdline).to.include('microbed.modules=virtio_pci,virtio_net,e1000')
    expect(cmdline).to.include(`microbed.mgmt=${MGMT.mac},${MGMT.guest}/24`)
    expect(cmdline).to.include(`microbed.dut=${DUT_USER.mac},${DUT_USER.guest}/24`)
    expect(cmdline.endsWith(' foo=1')).to.equal(true)
  })

  it('leaves the NIC under test out when none is asked for', () => {
    const a = qemuArgs({ ...base, dut: undefined })
    expect(after(a, '-netdev')).to.have.length(1)
    expect(kernelCommandLine({ ...base, dut: undefined })).to.not.include('microbed.dut=')
  })

  it('gives a second NIC under test (dut1) its own back-end, subnet, MAC and kernel parameter', () => {
    const two: QemuConfig = { ...base, dut1: { model: 'rtl8139', backend: { type: 'user', forwards: [{ hostPort: 40522, guestPort: 5201 }] } } }
    const a = qemuArgs(two)
    expect(after(a, '-netdev')[2]).to.equal(`user,id=dut1,restrict=on,net=${DUT1_USER.net},host=${DUT1_USER.host},hostfwd=tcp:127.0.0.1:40522-${DUT1_USER.guest}:5201`)
    expect(after(a, '-device')[2]).to.equal(`rtl8139,netdev=dut1,mac=${DUT1_USER.mac},romfile=`)
    const cmdline = kernelCommandLine(two)
    expect(cmdline).to.include(`microbed.dut=${DUT_USER.mac},${DUT_USER.guest}/24`).and.include(`microbed.dut1=${DUT1_USER.mac},${DUT1_USER.guest}/24`)
    expect(DUT1_USER.mac).to.not.equal(DUT_USER.mac)
    // functional's VLAN subnet is 127.80.100.0/24: neither NIC's own subnet may overlap it
    for (const t of ['user', 'tap'] as const) for (const i of [0, 1]) expect(dutAddresses(t, i).guest).to.not.match(/^127\.80\./)
    const tap = qemuArgs({ ...base, dut: { model: 'e1000', backend: { type: 'tap', ifname: 'mbt1x0' } }, dut1: { model: 'rtl8139', backend: { type: 'tap', ifname: 'mbt1x1' } } })
    expect(after(tap, '-netdev').slice(1)).to.deep.equal(['tap,id=dut,ifname=mbt1x0,script=no,downscript=no', 'tap,id=dut1,ifname=mbt1x1,script=no,downscript=no'])
    expect(() => qemuArgs({ ...two, dut: undefined })).to.throw(/dut1 needs a dut/)
  })
})
