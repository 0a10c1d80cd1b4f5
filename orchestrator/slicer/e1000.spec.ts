// The e1000 (82540EM) microdriver's interface, declared once: every upcall the k-driver makes
// into the u-driver, the downcalls the u-driver makes, and struct e1000_state, the object the
// tracker copies across at each call. `npm run generate` turns it into the C of both sides.
import type { DriverSpec, FieldSpec } from './spec.ts'

const mac = (name: string, doc: string): FieldSpec =>
  ({ name, type: 'u8', dims: ['E1000_ETH_ALEN'], validMac: true, doc })

export const e1000: DriverSpec = {
  driver: 'e1000',
  specFile: 'e1000.spec.ts',
  hwHeader: 'e1000_hw.h',
  hwStruct: 'e1000_hw',
  hwSetup: 'e1000_hw_setup',
  opBase: 16,
  constants: {
    E1000_ETH_ALEN: 6,
    E1000_EEPROM_WORDS: 64,
    E1000_MC_MAX: 32,
    E1000_REGS_DUMP_MAX: 64,
    E1000_STATS_MAX: 64,
    E1000_STAT_NAME_LEN: 32,
  },

  structs: [
    {
      name: 'e1000_link_cfg',
      fields: [
        { name: 'autoneg', type: 'u8', range: [0, 1] },
        { name: 'full_duplex', type: 'u8', range: [0, 1] },
        { name: 'advertised', type: 'u16', mask: 'E1000_ADV_ALL' },
        { name: 'speed', type: 'u32', oneOf: [10, 100, 1000], doc: 'forced Mb/s' },
      ],
    },
    {
      name: 'e1000_hw_stats',
      opaque: { size: 54 * 8, align: 8, why: 'counters: any value is a valid count' },
    },
  ],

  shared: {
    struct: 'e1000_state',
    size: 608,
    fields: [
      { ...mac('mac', 'current station address'), dir: ['IN', 'OUT'] },
      { ...mac('perm_mac', 'from EEPROM words 0-2'), dir: ['IN', 'OUT_INIT'] },
      { name: 'eeprom', type: 'u16', dims: ['E1000_EEPROM_WORDS'], sum16: 'E1000_EEPROM_SUM',
        doc: 'SDM ch. 5: a real image sums to BABAh', dir: ['IN', 'OUT_INIT'] },
      { name: 'link_up', type: 'u8', range: [0, 1], dir: ['IN', 'OUT'] },
      { name: 'full_duplex', type: 'u8', range: [0, 1], dir: ['IN', 'OUT'] },
      { name: 'phy_id_low', type: 'u16', unchecked: 'PHY ID2, only logged', dir: ['IN', 'OUT'] },
      { name: 'speed', type: 'u32', oneOf: [0, 10, 100, 1000], doc: 'Mb/s, 0 without link', dir: ['IN', 'OUT'] },
      { name: 'link_cfg', type: { struct: 'e1000_link_cfg' }, dir: ['IN', 'OUT'] },
      { name: 'mtu', type: 'u32', range: ['E1000_MTU_MIN', 'E1000_MTU_MAX'], dir: ['IN', 'OUT'] },
      // The kernel posts RX buffers of this size: only sizes RCTL.BSIZE/BSEX express, and
      // large enough for the MTU plus Ethernet and VLAN headers (ETH_HLEN + VLAN_HLEN = 18).
      { name: 'rx_buf_len', type: 'u32', oneOf: [2048, 4096, 8192, 16384],
        atLeast: { field: 'mtu', plus: 18 }, dir: ['IN', 'OUT'] },
      { name: 'rx_flags', type: 'u32', mask: 'E1000_RX_PROMISC|E1000_RX_ALLMULTI', dir: ['IN', 'OUT'] },
      { name: 'msg_enable', type: 'u32', unchecked: 'NETIF_MSG_* bits, any set is valid', dir: ['IN', 'OUT'] },
      { name: 'stats', type: { struct: 'e1000_hw_stats' }, dir: ['IN', 'OUT'] },
    ],
  },

  upcalls: [
    { name: 'init', op: 16, init: true, impl: 'e1000_hw_init',
      doc: 'probe: reset, EEPROM, MAC, link (the device is new: no state to adopt)' },
    { name: 'up', op: 17, impl: 'e1000_hw_up', doc: 'rings programmed: start RX/TX' },
    { name: 'down', op: 18, impl: 'e1000_hw_down', doc: 'stop RX/TX, reset, re-init' },
    { name: 'watchdog', op: 19, impl: 'e1000_hw_watchdog', doc: 'link and statistics, every 2 s and on LSC' },
    { name: 'tx_timeout', op: 20, impl: 'e1000_hw_tx_timeout', doc: 'diagnose a stuck TX ring before the reset' },
    { name: 'set_mtu', op: 21, impl: 'e1000_hw_set_mtu', doc: 'new MTU and RX buffer size',
      args: [{ name: 'mtu', type: 'u32', range: ['E1000_MTU_MIN', 'E1000_MTU_MAX'] }] },
    { name: 'set_mac', op: 22, impl: 'e1000_hw_set_mac', doc: 'station address into RAR[0]',
      args: [{ name: 'mac', type: 'u8', dims: ['E1000_ETH_ALEN'], unchecked: 'e1000_hw_set_mac refuses multicast' }] },
    { name: 'set_rx_mode', op: 23, impl: 'e1000_hw_set_rx_mode', doc: 'promiscuous, all-multicast, multicast table',
      args: [
        { name: 'flags', type: 'u32', mask: 'E1000_RX_PROMISC|E1000_RX_ALLMULTI' },
        { name: 'mc', type: 'u8', dims: ['E1000_MC_MAX', 'E1000_ETH_ALEN'], countBy: 'n',
          overflow: 'more than E1000_MC_MAX addresses: all-multicast', unchecked: 'any address hashes' },
        { name: 'n', type: 'u32', unchecked: 'bounds the copy of mc; larger means all-multicast' },
      ] },
    { name: 'get_link_cfg', op: 24, impl: 'e1000_hw_get_link_cfg', doc: 'link settings for ethtool',
      result: { kind: 'out', fields: [{ name: 'cfg', type: { struct: 'e1000_link_cfg' } }] } },
    { name: 'set_link_cfg', op: 25, impl: 'e1000_hw_set_link_cfg', doc: 'ethtool -s',
      args: [{ name: 'cfg', type: { struct: 'e1000_link_cfg' },
        unchecked: 'e1000_hw_set_link_cfg validates it, with the same answer in both variants' }] },
    { name: 'restart_autoneg', op: 26, impl: 'e1000_hw_restart_autoneg', doc: 'ethtool -r' },
    { name: 'get_link', op: 27, impl: 'e1000_hw_check_link', status: 'errno-or-bool', doc: '1 if the link is up' },
    { name: 'set_msglevel', op: 28, impl: 'e1000_hw_set_msglevel', doc: 'ethtool -s msglvl',
      args: [{ name: 'level', type: 'u32', unchecked: 'any NETIF_MSG_* set' }] },
    { name: 'get_regs', op: 29, impl: 'e1000_hw_get_regs', doc: 'register dump',
      result: { kind: 'table', elem: { name: 'v', type: 'u32', unchecked: 'register contents' }, max: 'E1000_REGS_DUMP_MAX' } },
    { name: 'get_ring_counts', op: 30, impl: 'e1000_hw_get_ring_counts', doc: 'descriptors per ring from TDLEN/RDLEN',
      result: { kind: 'out', fields: [
        { name: 'tx', type: 'u32', range: [0, 256], doc: 'never more than the kernel posts (MB_TX_RING)' },
        { name: 'rx', type: 'u32', range: [0, 256], doc: 'never more than the kernel posts (MB_RX_RING)' },
      ] } },
    { name: 'get_stats', op: 31, impl: 'e1000_hw_get_stats', doc: 'gather and return the statistics',
      result: { kind: 'table', elem: { name: 'v', type: 'u64', unchecked: 'counters' }, max: 'E1000_STATS_MAX' } },
    { name: 'get_stat_names', op: 32, impl: 'e1000_hw_get_stat_names', doc: 'statistics names, ethtool -S',
      result: { kind: 'table', elem: { name: 'v', type: 'char', dims: ['E1000_STAT_NAME_LEN'], cstring: true }, max: 'E1000_STATS_MAX' } },
    { name: 'stats_count', op: 33, impl: 'e1000_stats_count', stateless: true, doc: 'number of statistics',
      result: { kind: 'count', max: 'E1000_STATS_MAX' } },
    { name: 'regs_count', op: 34, impl: 'e1000_regs_count', stateless: true, doc: 'number of dumped registers',
      result: { kind: 'count', max: 'E1000_REGS_DUMP_MAX' } },
    { name: 'restore', op: 35, impl: 'e1000_hw_restore', internal: true,
      doc: 'a new u-driver adopts the kernel\'s state of a running device' },
  ],

  downcalls: [
    { name: 'link', constName: 'MB_E1000_DC_LINK', op: 'MB_DC_DRIVER_BASE', doc: 'mb_link_report(): carrier on/off',
      fields: [
        { name: 'up', type: 'u32', range: [0, 1] },
        { name: 'speed', type: 'u32', oneOf: [0, 10, 100, 1000] },
        { name: 'full_duplex', type: 'u32', range: [0, 1] },
      ] },
  ],

  // Served in the kernel by hand (kmod/e1000/ctl_direct.c, ctl_upcall.c): not marshaling.
  lifecycle: [
    { name: 'attach', decl: 'int (*attach)(struct mb_adapter *a)', variants: ['direct', 'upcall'], doc: 'sets a->st' },
    { name: 'detach', decl: 'void (*detach)(struct mb_adapter *a)', variants: ['direct', 'upcall'] },
    { name: 'wait_ready', decl: 'int (*wait_ready)(struct mb_adapter *a)', variants: ['upcall'],
      doc: 'device init waits (bounded) for a u-driver' },
    { name: 'quiesce', decl: 'void (*quiesce)(struct mb_adapter *a)', variants: ['upcall'] },
    { name: 'ready', decl: 'bool (*ready)(struct mb_adapter *a)', variants: ['upcall'], doc: 'a u-driver is attached' },
    { name: 'set_live', decl: 'void (*set_live)(struct mb_adapter *a, bool live)', variants: ['upcall'],
      doc: 'rings programmed or not: what the register policy allows' },
    { name: 'await_served', decl: 'void (*await_served)(struct mb_adapter *a)', variants: ['upcall'],
      doc: 'a control operation during an outage waits (bounded) for the replay' },
  ],

  // ethtool hooks that only forward; the others translate structures (kmod/e1000/ethtool.c).
  ethtool: [
    { hook: 'nway_reset', params: [], ret: 'int', op: 'restart_autoneg', args: [] },
    { hook: 'set_msglevel', params: ['u32 level'], ret: 'void', op: 'set_msglevel', args: ['level'] },
    { hook: 'get_msglevel', params: [], ret: 'u32', field: 'msg_enable' },
    { hook: 'get_ethtool_stats', params: ['struct ethtool_stats *stats', 'u64 *data'], ret: 'void',
      op: 'get_stats', args: ['data', 'stats->n_stats'] },
  ],
}
