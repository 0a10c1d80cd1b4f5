// SPDX-License-Identifier: GPL-2.0
/*
 * Receive addressing and filtering: station address (RAL/RAH), unicast and
 * multicast promiscuous modes (RCTL.UPE/MPE), the multicast table array
 * (MTA) and the MTU-dependent receive buffer size (RCTL.BSIZE/BSEX/LPE).
 */
#include "e1000_hw.h"

/*
 * Receive buffers are 2 KB whatever the MTU (SDM 13.4.22: BSIZE 00b, no
 * BSEX): a longer frame (LPE) spans several descriptors, which the kernel
 * collects.  Small buffers keep every RX allocation an order-0 one, as
 * Linux e1000 does with page buffers for jumbo frames, and a small frame
 * costs its socket 2 KB of receive buffer, not 16: after an RCTL update
 * QEMU's model holds received frames for 1 s and then delivers them in one
 * burst, and with 16 KB buffers a socket with a small receive buffer (busy-
 * box ping's) dropped all but the first of the burst (1 of 5 pings; 5 of 5
 * with 2 KB buffers).
 */
#define RX_BUF_LEN	2048
#define STD_MTU		1500

/* RCTL from the tracked state; EN is added by e1000_hw_up(). */
static uint32_t e1000_rctl_compose(const struct e1000_hw *hw)
{
	uint32_t rctl = E1000_RCTL_BAM | E1000_RCTL_SECRC |
			E1000_RCTL_RDMTS_HALF | E1000_RCTL_SZ_2048;

	if (hw->st.mtu > STD_MTU)
		rctl |= E1000_RCTL_LPE;
	if (hw->st.rx_flags & E1000_RX_PROMISC)
		rctl |= E1000_RCTL_UPE | E1000_RCTL_MPE;
	else if (hw->st.rx_flags & E1000_RX_ALLMULTI)
		rctl |= E1000_RCTL_MPE;
	/* promiscuous means every VLAN too, as in Linux e1000 */
	if (!(hw->st.rx_flags & E1000_RX_PROMISC) && e1000_vlan_used(hw))
		rctl |= E1000_RCTL_VFE;
	if (hw->uc_promisc)
		rctl |= E1000_RCTL_UPE;
	return rctl;
}

/*
 * Rewrite RCTL keeping the receiver's current enable state, and only when
 * it changes: QEMU's e1000 model stops delivering received frames for
 * 1000 ms after every RCTL write (its flush_queue_timer), so an identical
 * rewrite, as a replay after a u-driver restart does, would stall the
 * receive path for a second for nothing.
 */
static void e1000_rctl_apply(struct e1000_hw *hw, uint32_t rctl)
{
	uint32_t cur = hw_rd(hw, E1000_RCTL);

	hw->rctl = rctl;
	if ((cur & ~E1000_RCTL_EN) != rctl)
		hw_wr(hw, E1000_RCTL, rctl | (cur & E1000_RCTL_EN));
}

void e1000_rctl_refresh(struct e1000_hw *hw)
{
	e1000_rctl_apply(hw, e1000_rctl_compose(hw));
}

int e1000_hw_set_mtu(struct e1000_hw *hw, uint32_t mtu)
{
	if (mtu < E1000_MTU_MIN || mtu > E1000_MTU_MAX)
		return -MB_EINVAL;
	hw->st.mtu = mtu;
	hw->st.rx_buf_len = RX_BUF_LEN;
	/* Only the shadow: the receiver is enabled again by e1000_hw_up()
	 * once the kernel has posted its buffers. */
	hw->rctl = e1000_rctl_compose(hw);
	if (hw_msg(hw, E1000_MSG_HW))
		hw_log(hw, MB_LOG_INFO, "mtu %u: rx buffers of %u bytes%s\n",
		       mtu, RX_BUF_LEN, mtu > STD_MTU ? ", long frames span several" : "");
	return 0;
}

/* SDM 13.5.1-2: RAL holds address bytes 0-3, RAH bytes 4-5 plus AV.
 * RAH goes without AV first so a half-written entry never matches. */
static void e1000_write_rar(struct e1000_hw *hw, uint32_t n,
			    const uint8_t *mac)
{
	hw_wr(hw, E1000_RAH(n), 0);
	if (!mac) {
		hw_wr(hw, E1000_RAL(n), 0);
		return;
	}
	hw_wr(hw, E1000_RAL(n), (uint32_t)mac[0] | (uint32_t)mac[1] << 8 |
	      (uint32_t)mac[2] << 16 | (uint32_t)mac[3] << 24);
	hw_wr(hw, E1000_RAH(n), (uint32_t)mac[4] | (uint32_t)mac[5] << 8 |
	      E1000_RAH_AV);
}

int e1000_hw_set_mac(struct e1000_hw *hw, const uint8_t mac[E1000_ETH_ALEN])
{
	if (mac[0] & 1)
		return -MB_EINVAL;	/* a station address is never multicast */
	e1000_write_rar(hw, 0, mac);
	hw_flush(hw);
	__builtin_memcpy(hw->st.mac, mac, E1000_ETH_ALEN);
	return 0;
}

/* Secondary unicast addresses (macvlan, bridges) in RAR 1-15, so the
 * receiver need not go promiscuous for them; unused entries invalid. */
void e1000_write_uc(struct e1000_hw *hw)
{
	uint32_t i;

	for (i = 0; i < E1000_UC_MAX; i++)
		e1000_write_rar(hw, i + 1, i < hw->uc_count ? hw->uc[i] : 0);
}

/* SDM 13.5.1 (MTA) with RCTL.MO = 00: the hash is destination address
 * bits 47:36, i.e. byte 4's high nibble and byte 5.  Bits 11:5 select the
 * MTA word, bits 4:0 the bit in it. */
static uint32_t e1000_mta_hash(const uint8_t mac[E1000_ETH_ALEN])
{
	return (((uint32_t)mac[4] >> 4) | ((uint32_t)mac[5] << 4)) & 0xFFF;
}

int e1000_hw_set_rx_mode(struct e1000_hw *hw, uint32_t rx_flags,
			 const uint8_t (*mc)[E1000_ETH_ALEN], uint32_t mc_count,
			 const uint8_t (*uc)[E1000_ETH_ALEN], uint32_t uc_count)
{
	uint32_t i, h, old = hw->st.rx_flags;

	if (rx_flags & ~(E1000_RX_PROMISC | E1000_RX_ALLMULTI))
		return -MB_EINVAL;
	for (i = 0; uc_count <= E1000_UC_MAX && i < uc_count; i++)
		if (uc[i][0] & 1)
			return -MB_EINVAL;	/* not a unicast address */
	hw->uc_promisc = uc_count > E1000_UC_MAX;
	hw->uc_count = hw->uc_promisc ? 0 : uc_count;
	__builtin_memcpy(hw->uc, uc, hw->uc_count * E1000_ETH_ALEN);
	e1000_write_uc(hw);
	if (mc_count > E1000_MC_MAX) {
		rx_flags |= E1000_RX_ALLMULTI;	/* table too small to be exact */
		mc_count = 0;
	}
	__builtin_memset(hw->mta, 0, sizeof(hw->mta));
	for (i = 0; i < mc_count; i++) {
		h = e1000_mta_hash(mc[i]);
		hw->mta[h >> 5] |= 1u << (h & 31);
	}
	for (i = 0; i < E1000_MTA_WORDS; i++)
		hw_wr(hw, E1000_MTA + 4 * i, hw->mta[i]);

	hw->st.rx_flags = rx_flags;
	e1000_rctl_refresh(hw);
	if (old != rx_flags && hw_msg(hw, E1000_MSG_HW | E1000_MSG_DRV))
		hw_log(hw, MB_LOG_INFO,
		       "rx mode: promisc %s, allmulti %s, %u multicast, %u unicast\n",
		       rx_flags & E1000_RX_PROMISC ? "on" : "off",
		       rx_flags & E1000_RX_ALLMULTI ? "on" : "off", mc_count,
		       hw->uc_count);
	return 0;
}
