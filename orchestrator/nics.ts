// The NICs under test and the driver variants of each. A variant that is not built yet says why,
// so a scenario can report it as skipped instead of pretending.
import { UsageError } from './errors.ts'

export const VARIANTS = ['native', 'monolithic', 'split'] as const
export type Variant = (typeof VARIANTS)[number]

export interface DriverVariant {
  /** Kernel modules to load (with their dependencies, computed at image build). */
  modules: string[]
  /** The driver name `ethtool -i dut0` must report. */
  driverName: string
  /** split: the u-driver daemon (in /usr/sbin) the guest runs under its supervisor. */
  udriver?: string
  /** Checks (by name) this driver is known to fail, and why: reported, not counted as failures. */
  known?: Record<string, string>
}

export interface NicSpec {
  name: string
  qemuDevice: string
  pciId: string
  description: string
  variants: Partial<Record<Variant, DriverVariant>>
  /** Why a variant is not available yet, for each one missing from `variants`. */
  unavailable: Partial<Record<Variant, string>>
}

export const NICS: Record<string, NicSpec> = {
  e1000: {
    name: 'e1000', qemuDevice: 'e1000', pciId: '8086:100e', description: 'Intel 82540EM',
    variants: {
      native: {
        modules: ['e1000'], driverName: 'e1000',
        known: { 'link down/up from QEMU (QMP) seen as carrier within 2 s': "Linux's e1000 confirms a link change in its watchdog, which runs every 2 s, so under TCG it takes about 2 s" },
      },
      monolithic: { modules: ['mb_e1000'], driverName: 'mb_e1000' },
      split: { modules: ['mb_core', 'mb_e1000_split'], driverName: 'mb_e1000', udriver: 'mb-udriver' },
    },
    unavailable: {},
  },
  rtl8139: {
    name: 'rtl8139', qemuDevice: 'rtl8139', pciId: '10ec:8139', description: 'Realtek RTL8139C+ (revision 0x20, driven natively by 8139cp)',
    variants: { native: { modules: ['8139cp'], driverName: '8139cp' } },
    unavailable: { monolithic: 'there is no RTL8139 microdriver yet', split: 'there is no RTL8139 microdriver yet' },
  },
}

/** Modules every guest loads: the management NIC's driver and its PCI transport (not a dependency of it). */
export const MGMT_MODULES = ['virtio_pci', 'virtio_net']

export function nicNames(): string[] { return Object.keys(NICS) }

/** Parses --nic: one name, a comma list, or "all". */
export function parseNics(arg: string): NicSpec[] {
  const names = arg === 'all' ? nicNames() : arg.split(',').map(s => s.trim()).filter(Boolean)
  if (names.length === 0) throw new UsageError('--nic needs a value', `valid NICs: ${nicNames().join(', ')}, all`)
  return names.map(n => {
    const nic = NICS[n]
    if (!nic) throw new UsageError(`unknown NIC "${n}"`, `valid NICs: ${nicNames().join(', ')}, all`)
    return nic
  })
}

/** Parses --variant: one name, a comma list, or "all". */
export function parseVariants(arg: string): Variant[] {
  const names = arg === 'all' ? [...VARIANTS] : arg.split(',').map(s => s.trim()).filter(Boolean)
  if (names.length === 0) throw new UsageError('--variant needs a value', `valid variants: ${VARIANTS.join(', ')}, all`)
  for (const n of names) if (!(VARIANTS as readonly string[]).includes(n)) throw new UsageError(`unknown variant "${n}"`, `valid variants: ${VARIANTS.join(', ')}, all`)
  return names as Variant[]
}

/** Every module of Debian's kernel package an image must carry (ours come from kmod/). */
export function allGuestModules(): string[] {
  return [...new Set([...MGMT_MODULES, ...Object.values(NICS).flatMap(n => Object.values(n.variants).flatMap(v => v?.modules ?? []))])].filter(m => !m.startsWith('mb_'))
}
