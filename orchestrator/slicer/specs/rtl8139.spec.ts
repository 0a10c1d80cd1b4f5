// The RTL8139C+ microdriver's interface (QEMU's rtl8139, 10ec:8139 revision 0x20), declared once:
// every upcall the k-driver makes into the u-driver, the downcall the u-driver makes (the tally
// dump, a DMA the kernel performs into its own buffer), and struct rtl8139_state, the object the
// tracker copies across at each call. `npm run generate` turns it into the C of both sides.
import type { DriverSpec, FieldSpec } from '../spec.ts'

const mac = (name: string, doc: string): FieldSpec =>
  ({ name, type: 'u8', dims: ['RTL8139_ETH_ALEN'], validMac: true, doc })

export const rtl8139: DriverSpec = {
  driver: 'rtl8139',
  specFile: 'specs/rtl8139.spec.ts',
  hwHeader: 'rtl8139_hw.h',
  hwStruct: 'rtl8139_hw',
  hwSetup: 'rtl8139_hw_setup',
  opBase: 16,
  errnos: ['EIO', 'EAGAIN', 'EINVAL', 'EOPNOTSUPP', 'ETIMEDOUT', 'ENOMEM', 'ENODEV'],
  constants: {
    RTL8139_ETH_ALEN: 6,
    RTL8139_EEPROM_WORDS: 64,
    RTL8139_MC_MAX: 32,
    RTL8139_REGS_DUMP_MAX: 64,
    RTL8139_STATS_MAX: 16,
    RTL8139_STAT_NAME_LEN: 32,
    RTL8139_TALLY_LEN: 64,
    RTL8139_TESTS: 3,
  },

  structs: [
    {
      name: 'rtl8139_link_cfg',
      fields: [
        { name: 'autoneg', type: 'u8', range: [0, 1] },
        { name: 'full_duplex', type: 'u8', range: [0, 1] },
        { name: 'advertised', type: 'u16', mask: 'RTL8139_ADV_ALL' },
        { name: 'speed', type: 'u32', oneOf: [10, 100], doc: 'forced Mb/s' },
      ],
    },
    {
      name: 'rtl8139_hw_stats',
      opaque: { size: 14 * 8, align: 8, why: 'counters: any value is a valid count' },
    },
  ],

  shared: {
    struct: 'rtl8139_state',
    size: 368,
    fields: [
      { ...mac('mac', 'current station address'), dir: ['IN', 'OUT'] },
      { ...mac('perm_mac', 'from EEPROM words 7-9'), dir: ['IN', 'OUT_INIT'] },
      { name: 'eeprom', type: 'u16', dims: ['RTL8139_EEPROM_WORDS'], dir: ['IN', 'OUT_INIT'],
        unchecked: 'the 93C46 image has no checksum; the kernel only reports it (ethtool -e)' },
      { name: 'chip', type: 'u32', unchecked: 'TCR hardware version bits, only logged', dir: ['IN', 'OUT'] },
      { name: 'link_up', type: 'u8', range: [0, 1], dir: ['IN', 'OUT'] },
      { name: 'full_duplex', type: 'u8', range: [0, 1], dir: ['IN', 'OUT'] },
      { name: 'speed', type: 'u32', oneOf: [0, 10, 100], doc: 'Mb/s, 0 without link', dir: ['IN', 'OUT'] },
      { name: 'link_cfg', type: { struct: 'rtl8139_link_cfg' }, dir: ['IN', 'OUT'] },
      // The kernel sizes its RX buffers from this (C+ descriptors hold one frame each).
      { name: 'mtu', type: 'u32', range: ['RTL8139_MTU_MIN', 'RTL8139_MTU_MAX'], dir: ['IN', 'OUT'] },
      { name: 'rx_flags', type: 'u32', mask: 'RTL8139_RX_PROMISC|RTL8139_RX_ALLMULTI', dir: ['IN', 'OUT'] },
      { name: 'msg_enable', type: 'u32', unchecked: 'NETIF_MSG_* bits, any set is valid', dir: ['IN', 'OUT'] },
      { name: 'wol', type: 'u32', mask: 'RTL8139_WAKE_ALL', doc: 'wake-on-LAN options armed', dir: ['IN', 'OUT'] },
      // The multicast hash image: written back after every reset and by a restarted u-driver.
      { name: 'mar', type: 'u32', dims: [2], dir: ['IN', 'OUT'],
        unchecked: 'any hash: it only decides which multicast frames the filter passes' },
      // Kept here, not in the u-driver, so a restarted u-driver counts on from the last dump.
      { name: 'tally_last', type: 'u8', dims: ['RTL8139_TALLY_LEN'], dir: ['IN', 'OUT'],
        unchecked: 'a copy of the chip\'s counters: only used to compute the next deltas' },
      { name: 'tally_valid', type: 'u8', range: [0, 1], dir: ['IN', 'OUT'] },
      { name: 'stats', type: { struct: 'rtl8139_hw_stats' }, dir: ['IN', 'OUT'] },
    ],
  },

  upcalls: [
    { name: 'init', op: 16, init: true, impl: 'rtl8139_hw_init',
      doc: 'probe: reset, chip version, EEPROM, MAC, link (the device is new: no state to adopt)' },
    { name: 'up', op: 17, impl: 'rtl8139_hw_up', doc: 'rings programmed: station address, RX mode, start RX/TX' },
    { name: 'down', op: 18, impl: 'rtl8139_hw_down', doc: 'last statistics, stop RX/TX, reset' },
    { name: 'watchdog', op: 19, impl: 'rtl8139_hw_watchdog', doc: 'link and statistics, every 2 s and on a link change' },
    { name: 'tx_timeout', op: 20, impl: 'rtl8139_hw_tx_timeout', doc: 'diagnose a stuck TX ring before the reset' },
    { name: 'set_mtu', op: 21, impl: 'rtl8139_hw_set_mtu', doc: 'new MTU (the kernel sizes its RX buffers from it)',
      args: [{ name: 'mtu', type: 'u32', range: ['RTL8139_MTU_MIN', 'RTL8139_MTU_MAX'] }] },
    { name: 'set_mac', op: 22, impl: 'rtl8139_hw_set_mac', doc: 'station address into IDR0-5 (config registers unlocked)',
      args: [{ name: 'mac', type: 'u8', dims: ['RTL8139_ETH_ALEN'], unchecked: 'rtl8139_hw_set_mac refuses multicast' }] },
    { name: 'set_rx_mode', op: 23, impl: 'rtl8139_hw_set_rx_mode', doc: 'promiscuous, all-multicast, the 64-bit multicast hash',
      args: [
        { name: 'flags', type: 'u32', mask: 'RTL8139_RX_PROMISC|RTL8139_RX_ALLMULTI' },
        { name: 'mc', type: 'u8', dims: ['RTL8139_MC_MAX', 'RTL8139_ETH_ALEN'], countBy: 'n',
          overflow: 'more than RTL8139_MC_MAX addresses: all-multicast', unchecked: 'any address hashes' },
        { name: 'n', type: 'u32', unchecked: 'bounds the copy of mc; larger means all-multicast' },
      ] },
    { name: 'get_link_ksettings', op: 24, impl: 'rtl8139_hw_get_link_ksettings', doc: 'ethtool: link settings, in ethtool\'s terms',
      result: { kind: 'out', fields: [
        { name: 'supported', type: 'u64', unchecked: 'link-mode bits: any set is a statement, not an action' },
        { name: 'advertising', type: 'u64', unchecked: 'link-mode bits, as supported' },
        { name: 'lp_advertising', type: 'u64', unchecked: 'link-mode bits the partner advertised, as supported' },
        { name: 'autoneg', type: 'u8', range: [0, 1] },
        { name: 'port', type: 'u8', oneOf: ['RTL8139_PORT_MII'] },
        { name: 'phy_address', type: 'u8', range: [0, 'RTL8139_PHY_ADDR'] },
        { name: 'speed', type: 'u32', oneOf: [10, 100, 'RTL8139_SPEED_UNKNOWN'] },
        { name: 'duplex', type: 'u8', oneOf: ['RTL8139_DUPLEX_HALF', 'RTL8139_DUPLEX_FULL', 'RTL8139_DUPLEX_UNKNOWN'] },
      ] } },
    { name: 'set_link_ksettings', op: 25, impl: 'rtl8139_hw_set_link_ksettings', doc: 'ethtool -s',
      args: [
        { name: 'autoneg', type: 'u32', unchecked: 'validated by the control path, the same answer in both variants' },
        { name: 'speed', type: 'u32', unchecked: 'as autoneg' },
        { name: 'duplex', type: 'u32', unchecked: 'as autoneg' },
        { name: 'advertising', type: 'u64', unchecked: 'link-mode bits; unknown ones are ignored' },
      ] },
    { name: 'restart_autoneg', op: 26, impl: 'rtl8139_hw_restart_autoneg', doc: 'ethtool -r' },
    { name: 'get_link', op: 27, impl: 'rtl8139_hw_check_link', status: 'errno-or-bool', doc: '1 if the link is up' },
    { name: 'set_msglevel', op: 28, impl: 'rtl8139_hw_set_msglevel', doc: 'ethtool -s msglvl',
      args: [{ name: 'level', type: 'u32', unchecked: 'any NETIF_MSG_* set' }] },
    { name: 'get_regs', op: 29, impl: 'rtl8139_hw_get_regs', doc: 'register dump (the 256-byte BAR, policy-denied registers as 0)',
      result: { kind: 'table', elem: { name: 'v', type: 'u32', unchecked: 'register contents' }, max: 'RTL8139_REGS_DUMP_MAX' } },
    { name: 'get_stats', op: 30, impl: 'rtl8139_hw_get_stats', doc: 'gather and return the statistics',
      result: { kind: 'table', elem: { name: 'v', type: 'u64', unchecked: 'counters' }, max: 'RTL8139_STATS_MAX' } },
    { name: 'get_stat_names', op: 31, impl: 'rtl8139_hw_get_stat_names', doc: 'statistics names, ethtool -S',
      result: { kind: 'table', elem: { name: 'v', type: 'char', dims: ['RTL8139_STAT_NAME_LEN'], cstring: true }, max: 'RTL8139_STATS_MAX' } },
    { name: 'stats_count', op: 32, impl: 'rtl8139_stats_count', stateless: true, doc: 'number of statistics',
      result: { kind: 'count', max: 'RTL8139_STATS_MAX' } },
    { name: 'regs_count', op: 33, impl: 'rtl8139_regs_count', stateless: true, doc: 'number of dumped registers',
      result: { kind: 'count', max: 'RTL8139_REGS_DUMP_MAX' } },
    { name: 'restore', op: 34, impl: 'rtl8139_hw_restore', internal: true,
      doc: 'a new u-driver adopts the kernel\'s state of a running device' },
    { name: 'get_wol', op: 35, impl: 'rtl8139_hw_get_wol', doc: 'ethtool: wake-on-LAN',
      args: [{ name: 'can_wake', type: 'u32', unchecked: 'a fact the kernel states (device_can_wakeup)' }],
      result: { kind: 'out', fields: [
        { name: 'supported', type: 'u32', mask: 'RTL8139_WAKE_ALL' },
        { name: 'wolopts', type: 'u32', mask: 'RTL8139_WAKE_ALL' },
      ] } },
    { name: 'set_wol', op: 36, impl: 'rtl8139_hw_set_wol', doc: 'ethtool -s wol (CONFIG3/CONFIG5)',
      args: [{ name: 'wolopts', type: 'u32', unchecked: 'the control path refuses what the chip cannot do' },
        { name: 'can_wake', type: 'u32', unchecked: 'as get_wol' }] },
    { name: 'test_count', op: 37, impl: 'rtl8139_test_count', stateless: true, doc: 'number of self-tests',
      result: { kind: 'count', max: 'RTL8139_TESTS' } },
    { name: 'get_test_names', op: 38, impl: 'rtl8139_hw_get_test_names', doc: 'self-test names, ethtool -t',
      result: { kind: 'table', elem: { name: 'v', type: 'char', dims: ['RTL8139_STAT_NAME_LEN'], cstring: true }, max: 'RTL8139_TESTS' } },
    { name: 'self_test_online', op: 39, impl: 'rtl8139_hw_self_test_online', doc: 'ethtool -t online: 0 passed',
      result: { kind: 'table', elem: { name: 'v', type: 'u64', unchecked: 'a result: 0 passed, any other value failed' }, max: 'RTL8139_TESTS' } },
    { name: 'self_test_offline', op: 40, impl: 'rtl8139_hw_self_test_offline', doc: 'ethtool -t offline (data path stopped)',
      result: { kind: 'table', elem: { name: 'v', type: 'u64', unchecked: 'as self_test_online' }, max: 'RTL8139_TESTS' } },
  ],

  // The tally dump is a DMA: the kernel points the chip at its own buffer and answers with the
  // counters (kmod/rtl8139/ctl_upcall.c); the u-driver never writes the dump address register.
  downcalls: [
    { name: 'tally', constName: 'MB_RTL8139_DC_TALLY', op: 16,
      doc: 'dump the tally counters; the kernel fills counters',
      fields: [{ name: 'counters', type: 'u8', dims: ['RTL8139_TALLY_LEN'], unchecked: 'overwritten by the kernel' }] },
  ],

  kernel: { adapter: 'mb_adapter', header: 'mb_rtl8139.h', splitHeader: 'split.h', relink: 'mb_relink_soon' },
  periodic: 'watchdog',
  rangeFaults: ['mtu', 'speed'],

  // ethtool hooks that only marshal; kmod/rtl8139/ethtool.c has the others.
  ethtool: [
    { hook: 'get_link_ksettings', params: ['struct ethtool_link_ksettings *cmd'], ret: 'int', op: 'get_link_ksettings',
      out: { supported: 'modes:cmd->link_modes.supported', advertising: 'modes:cmd->link_modes.advertising',
        lp_advertising: 'modes:cmd->link_modes.lp_advertising',
        autoneg: 'cmd->base.autoneg', port: 'cmd->base.port', phy_address: 'cmd->base.phy_address',
        speed: 'cmd->base.speed', duplex: 'cmd->base.duplex' } },
    { hook: 'set_link_ksettings', params: ['const struct ethtool_link_ksettings *cmd'], ret: 'int', op: 'set_link_ksettings',
      args: ['cmd->base.autoneg', 'cmd->base.speed', 'cmd->base.duplex', 'modes:cmd->link_modes.advertising'], relink: true },
    { hook: 'get_wol', params: ['struct ethtool_wolinfo *wol'], ret: 'void', op: 'get_wol',
      args: ['device_can_wakeup(&a->pdev->dev)'], out: { supported: 'wol->supported', wolopts: 'wol->wolopts' } },
    { hook: 'set_wol', params: ['struct ethtool_wolinfo *wol'], ret: 'int', op: 'set_wol',
      args: ['wol->wolopts', 'device_can_wakeup(&a->pdev->dev)'] },
    { hook: 'nway_reset', params: [], ret: 'int', op: 'restart_autoneg', args: [] },
    { hook: 'set_msglevel', params: ['u32 level'], ret: 'void', op: 'set_msglevel', args: ['level'] },
    { hook: 'get_msglevel', params: [], ret: 'u32', field: 'msg_enable' },
    { hook: 'get_ethtool_stats', params: ['struct ethtool_stats *stats', 'u64 *data'], ret: 'void',
      op: 'get_stats', args: ['data', 'stats->n_stats'] },
  ],

  ethtoolConstants: [
    ['RTL8139_LM_10_HALF', 'ETHTOOL_LINK_MODE_10baseT_Half_BIT'], ['RTL8139_LM_10_FULL', 'ETHTOOL_LINK_MODE_10baseT_Full_BIT'],
    ['RTL8139_LM_100_HALF', 'ETHTOOL_LINK_MODE_100baseT_Half_BIT'], ['RTL8139_LM_100_FULL', 'ETHTOOL_LINK_MODE_100baseT_Full_BIT'],
    ['RTL8139_LM_AUTONEG', 'ETHTOOL_LINK_MODE_Autoneg_BIT'], ['RTL8139_LM_TP', 'ETHTOOL_LINK_MODE_TP_BIT'],
    ['RTL8139_LM_MII', 'ETHTOOL_LINK_MODE_MII_BIT'], ['RTL8139_LM_PAUSE', 'ETHTOOL_LINK_MODE_Pause_BIT'],
    ['RTL8139_LM_ASYM_PAUSE', 'ETHTOOL_LINK_MODE_Asym_Pause_BIT'],
    ['RTL8139_PORT_MII', 'PORT_MII'], ['RTL8139_DUPLEX_HALF', 'DUPLEX_HALF'], ['RTL8139_DUPLEX_FULL', 'DUPLEX_FULL'],
    ['RTL8139_DUPLEX_UNKNOWN', 'DUPLEX_UNKNOWN'], ['RTL8139_SPEED_UNKNOWN', '(u32)SPEED_UNKNOWN'],
    ['RTL8139_WAKE_PHY', 'WAKE_PHY'], ['RTL8139_WAKE_UCAST', 'WAKE_UCAST'], ['RTL8139_WAKE_MCAST', 'WAKE_MCAST'],
    ['RTL8139_WAKE_BCAST', 'WAKE_BCAST'], ['RTL8139_WAKE_MAGIC', 'WAKE_MAGIC'],
    ['RTL8139_STAT_NAME_LEN', 'ETH_GSTRING_LEN'],
  ],
}
