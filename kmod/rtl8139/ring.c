// SPDX-License-Identifier: GPL-2.0
/*
 * The data path in C+ mode, as 8139cp runs it: one coherent block with a
 * 64-entry RX ring and a 64-entry TX ring, buffers mapped per frame,
 * interrupt, NAPI poll (TX reap and RX), BQL; and the registers that aim
 * the chip's DMA (C+ command, ring addresses, tally dump), which only the
 * kernel writes (the register policy refuses them to a u-driver).
 */
#include <linux/etherdevice.h>
#include <linux/if_vlan.h>
#include <linux/interrupt.h>
#include <linux/ip.h>
#include <linux/delay.h>

#include "mb_rtl8139.h"

#define MB_RING_BYTES	(2 * MB_RING_SIZE * sizeof(struct mb_desc))

static u32 mb_eor(u32 i)
{
	return i == MB_RING_SIZE - 1 ? RTL_DESC_EOR : 0;
}

static u32 mb_unused(const struct mb_ring *r)
{
	return (r->next_to_clean + MB_RING_SIZE - r->next_to_use - 1) % MB_RING_SIZE;
}

/* ---- the C+ command, ring and tally registers ------------------------ */

/* Under hw_lock.  A C mode chip (after a reset, before any CPCR write)
 * would take a DTCCR write for a C mode transmit command: a CPCR write,
 * with RX/TX off, selects C+ mode first. */
int mb_tally_dump(struct mb_adapter *a, u8 out[RTL8139_TALLY_LEN])
{
	u64 dma = a->tally_dma;
	int i, err = -EIO;

	spin_lock(&a->hw_lock);
	if (!a->cpcmd_live)
		mb_w16(a, RTL_CPCR, 0);
	mb_w32(a, RTL_DTCCR + 4, upper_32_bits(dma));
	mb_w32(a, RTL_DTCCR, lower_32_bits(dma) | RTL_DTCCR_DUMP);
	for (i = 0; i < 1000; i++) {	/* 8139cp: 1000 x 10 us */
		if (!(mb_r32(a, RTL_DTCCR) & RTL_DTCCR_DUMP)) {
			dma_rmb();
			memcpy(out, a->tally, RTL8139_TALLY_LEN);
			err = 0;
			break;
		}
		udelay(10);
	}
	mb_w32(a, RTL_DTCCR + 4, 0);
	mb_w32(a, RTL_DTCCR, 0);
	spin_unlock(&a->hw_lock);
	return err;
}

/* ethtool -K rxvlan/rx: the C+ command is the data path's. */
void mb_set_cpcmd(struct mb_adapter *a, u16 cpcmd)
{
	spin_lock(&a->hw_lock);
	a->cpcmd = cpcmd;
	if (a->cpcmd_live)
		mb_w16(a, RTL_CPCR, cpcmd);
	spin_unlock(&a->hw_lock);
}

/*
 * C+ mode on, then the ring addresses (8139cp's cp_start_hw order: some
 * chips reset TNPDS when C+ transmit is enabled), read back: a chip that
 * did not take them must not be enabled.  The rings are SETUP for the
 * register policy, so no reset can come between.
 */
int mb_rings_program(struct mb_adapter *a)
{
	dma_addr_t rx = a->rx.desc_dma, tx = a->tx.desc_dma;
	int err = 0;

	spin_lock(&a->hw_lock);
	mb_w16(a, RTL_CPCR, a->cpcmd);
	mb_w32(a, RTL_THPDS, 0);
	mb_w32(a, RTL_THPDS + 4, 0);
	mb_w32(a, RTL_RDSAR, lower_32_bits(rx));
	mb_w32(a, RTL_RDSAR + 4, upper_32_bits(rx));
	mb_w32(a, RTL_TNPDS, lower_32_bits(tx));
	mb_w32(a, RTL_TNPDS + 4, upper_32_bits(tx));
	if (mb_r32(a, RTL_TNPDS) != lower_32_bits(tx) ||
	    mb_r32(a, RTL_RDSAR) != lower_32_bits(rx) ||
	    (mb_r16(a, RTL_CPCR) & (RTL_CPCR_RXEN | RTL_CPCR_TXEN)) !=
	    (RTL_CPCR_RXEN | RTL_CPCR_TXEN)) {
		netdev_err(a->netdev, "the chip did not take the ring registers\n");
		err = -EIO;
	} else {
		a->cpcmd_live = true;
	}
	mb_w16(a, RTL_ISR, 0xFFFF);
	spin_unlock(&a->hw_lock);
	netdev_reset_queue(a->netdev);
	return err;
}

/* RX/TX off, C+ off, the ring addresses cleared (8139cp's cp_stop_hw). */
void mb_rings_stop(struct mb_adapter *a)
{
	spin_lock(&a->hw_lock);
	mb_w8(a, RTL_CR, 0);
	mb_w16(a, RTL_CPCR, 0);
	a->cpcmd_live = false;
	mb_w32(a, RTL_RDSAR, 0);
	mb_w32(a, RTL_RDSAR + 4, 0);
	mb_w32(a, RTL_TNPDS, 0);
	mb_w32(a, RTL_TNPDS + 4, 0);
	mb_w16(a, RTL_ISR, 0xFFFF);
	spin_unlock(&a->hw_lock);
}

/* ---- interrupts ------------------------------------------------------ */

void mb_irq_enable(struct mb_adapter *a)
{
	mb_w16(a, RTL_IMR, RTL_INT_ENABLE);
}

void mb_irq_disable(struct mb_adapter *a)
{
	mb_w16(a, RTL_IMR, 0);
	mb_r16(a, RTL_IMR);
	synchronize_irq(a->pdev->irq);
}

/* Hard IRQ: acknowledge what is not RX (RX is acknowledged by the poll
 * before it looks), hand RX and TX to NAPI, a link change to the
 * watchdog (which asks the control path). */
irqreturn_t mb_intr(int irq, void *data)
{
	struct mb_adapter *a = data;
	u16 status = mb_r16(a, RTL_ISR);

	if (!status || status == 0xFFFF)
		return IRQ_NONE;
	mb_w16(a, RTL_ISR, status & ~RTL_INT_RX);
	if (unlikely(test_bit(MB_DOWN, &a->flags))) {
		mb_w16(a, RTL_IMR, 0);
		return IRQ_HANDLED;
	}
	if (status & RTL_INT_LINKCHG)
		mod_delayed_work(system_wq, &a->watchdog_work, 0);
	if (status & RTL_INT_SERR)
		netdev_err(a->netdev, "PCI system error (ISR 0x%04x)\n", status);
	if (status & (RTL_INT_RX | RTL_INT_TX) && napi_schedule_prep(&a->napi)) {
		mb_w16(a, RTL_IMR, RTL_INT_ENABLE & ~(RTL_INT_RX | RTL_INT_TX));
		__napi_schedule(&a->napi);
	}
	return IRQ_HANDLED;
}

/* ---- receive --------------------------------------------------------- */

static int mb_rx_map(struct mb_adapter *a, struct mb_buf *b)
{
	struct sk_buff *skb = netdev_alloc_skb_ip_align(a->netdev, a->rx_buf_len);
	dma_addr_t dma;

	if (!skb)
		return -ENOMEM;
	dma = dma_map_single(&a->pdev->dev, skb->data, a->rx_buf_len,
			     DMA_FROM_DEVICE);
	if (dma_mapping_error(&a->pdev->dev, dma)) {
		dev_kfree_skb_any(skb);
		return -ENOMEM;
	}
	b->skb = skb;
	b->dma = dma;
	b->len = a->rx_buf_len;
	return 0;
}

static void mb_rx_give(struct mb_adapter *a, u32 i)
{
	struct mb_desc *d = &a->rx.desc[i];

	d->opts2 = 0;
	d->addr = cpu_to_le64(a->rx.buf[i].dma);
	dma_wmb();
	WRITE_ONCE(d->opts1, cpu_to_le32(RTL_DESC_OWN | mb_eor(i) | a->rx_buf_len));
}

/* QEMU computes no receive checksums (its C+ RX leaves the protocol bits
 * 0); a chip that does says so in the descriptor. */
static void mb_rx_csum(struct mb_adapter *a, struct sk_buff *skb, u32 opts1)
{
	u32 proto = (opts1 >> RTL_RX_PROTO_SHIFT) & 3;

	skb_checksum_none_assert(skb);
	if (!(a->netdev->features & NETIF_F_RXCSUM))
		return;
	if ((proto == 1 && !(opts1 & RTL_RX_TCPF)) ||
	    (proto == 2 && !(opts1 & RTL_RX_UDPF)))
		skb->ip_summed = CHECKSUM_UNNECESSARY;
}

static int mb_rx_clean(struct mb_adapter *a, int budget)
{
	struct mb_ring *r = &a->rx;
	int done = 0;

	while (done < budget) {
		u32 i = r->next_to_clean;
		struct mb_desc *d = &r->desc[i];
		struct mb_buf *b = &r->buf[i];
		u32 opts1 = le32_to_cpu(READ_ONCE(d->opts1)), opts2, len;
		struct sk_buff *skb;
		struct mb_buf fresh;

		if (opts1 & RTL_DESC_OWN)
			break;
		dma_rmb();
		opts2 = le32_to_cpu(d->opts2);
		len = opts1 & RTL_RX_LEN_MASK;
		if ((opts1 & (RTL_DESC_FS | RTL_DESC_LS)) != (RTL_DESC_FS | RTL_DESC_LS) ||
		    opts1 & RTL_RX_ERR || len < ETH_HLEN + ETH_FCS_LEN ||
		    len > a->rx_buf_len) {
			u64_stats_update_begin(&r->syncp);
			r->errors++;
			u64_stats_update_end(&r->syncp);
			goto next;
		}
		len -= ETH_FCS_LEN;
		if (len <= MB_RX_COPYBREAK) {
			skb = napi_alloc_skb(&a->napi, len);
			if (!skb)
				goto drop;
			dma_sync_single_for_cpu(&a->pdev->dev, b->dma, len,
						DMA_FROM_DEVICE);
			skb_put_data(skb, b->skb->data, len);
			dma_sync_single_for_device(&a->pdev->dev, b->dma, len,
						   DMA_FROM_DEVICE);
		} else {
			if (mb_rx_map(a, &fresh))
				goto drop;
			dma_unmap_single(&a->pdev->dev, b->dma, b->len,
					 DMA_FROM_DEVICE);
			skb = b->skb;
			*b = fresh;
			skb_put(skb, len);
		}
		mb_rx_csum(a, skb, opts1);
		if (opts2 & RTL_RX_TAVA)
			__vlan_hwaccel_put_tag(skb, htons(ETH_P_8021Q),
					       swab16(opts2 & 0xFFFF));
		skb->protocol = eth_type_trans(skb, a->netdev);
		u64_stats_update_begin(&r->syncp);
		r->packets++;
		r->bytes += len;
		u64_stats_update_end(&r->syncp);
		napi_gro_receive(&a->napi, skb);
		goto next;
drop:
		u64_stats_update_begin(&r->syncp);
		r->dropped++;
		u64_stats_update_end(&r->syncp);
next:
		mb_rx_give(a, i);
		r->next_to_clean = (i + 1) % MB_RING_SIZE;
		done++;
	}
	return done;
}

/* ---- transmit -------------------------------------------------------- */

static void mb_tx_unmap(struct mb_adapter *a, struct mb_buf *b)
{
	if (!b->len)
		return;
	if (b->page)
		dma_unmap_page(&a->pdev->dev, b->dma, b->len, DMA_TO_DEVICE);
	else
		dma_unmap_single(&a->pdev->dev, b->dma, b->len, DMA_TO_DEVICE);
	b->len = 0;
}

/* Offload bits of a frame's descriptors, or -1 to drop it. */
static int mb_tx_flags(struct sk_buff *skb, u32 *flags)
{
	u32 mss = skb_shinfo(skb)->gso_size;

	*flags = 0;
	if (mss) {
		if (mss > RTL_TX_MSS_MAX)
			return -1;
		*flags = RTL_TX_LGSEN | mss << RTL_TX_MSS_SHIFT;
	} else if (skb->ip_summed == CHECKSUM_PARTIAL) {
		u8 proto = vlan_get_protocol(skb) == htons(ETH_P_IP) ?
			   ip_hdr(skb)->protocol : 0;

		if (proto == IPPROTO_TCP)
			*flags = RTL_TX_IPCS | RTL_TX_TCPCS;
		else if (proto == IPPROTO_UDP)
			*flags = RTL_TX_IPCS | RTL_TX_UDPCS;
		else if (skb_checksum_help(skb))
			return -1;
	}
	return 0;
}

static void mb_tx_drop(struct mb_adapter *a, struct sk_buff *skb)
{
	dev_kfree_skb_any(skb);
	u64_stats_update_begin(&a->tx.syncp);
	a->tx.dropped++;
	u64_stats_update_end(&a->tx.syncp);
}

/*
 * One descriptor per fragment (the head included); every one but the
 * first is handed to the chip as it is written, the first last, so the
 * chip never sees a partial frame.  ndo_start_xmit: BHs off, TX lock held.
 */
netdev_tx_t mb_xmit(struct sk_buff *skb, struct net_device *netdev)
{
	struct mb_adapter *a = netdev_priv(netdev);
	struct mb_ring *r = &a->tx;
	u32 nfrags = skb_shinfo(skb)->nr_frags, first = r->next_to_use;
	u32 i = first, f, flags, opts2 = 0, head_opts1 = 0;

	if (unlikely(mb_unused(r) < nfrags + 1)) {
		netif_stop_queue(netdev);
		return NETDEV_TX_BUSY;
	}
	if (mb_tx_flags(skb, &flags)) {
		mb_tx_drop(a, skb);
		return NETDEV_TX_OK;
	}
	if (skb_vlan_tag_present(skb))
		opts2 = RTL_TX_TAGC | swab16(skb_vlan_tag_get(skb));

	for (f = 0; f <= nfrags; f++) {
		struct mb_buf *b = &r->buf[i];
		struct mb_desc *d = &r->desc[i];
		u32 len, opts1;
		dma_addr_t dma;

		const skb_frag_t *frag = f ? &skb_shinfo(skb)->frags[f - 1] : NULL;

		len = frag ? skb_frag_size(frag) : skb_headlen(skb);
		if (len > RTL_TX_LEN_MAX)
			goto unwind;
		dma = frag ? skb_frag_dma_map(&a->pdev->dev, frag, 0, len,
					      DMA_TO_DEVICE) :
			     dma_map_single(&a->pdev->dev, skb->data, len,
					    DMA_TO_DEVICE);
		if (dma_mapping_error(&a->pdev->dev, dma))
			goto unwind;
		b->dma = dma;
		b->len = len;
		b->page = f != 0;
		b->skb = NULL;
		opts1 = flags | len | mb_eor(i) | (f == 0 ? RTL_DESC_FS : 0) |
			(f == nfrags ? RTL_DESC_LS : 0);
		d->opts2 = cpu_to_le32(opts2);
		d->addr = cpu_to_le64(dma);
		if (f == 0) {
			head_opts1 = opts1;
		} else {
			dma_wmb();
			WRITE_ONCE(d->opts1, cpu_to_le32(opts1 | RTL_DESC_OWN));
		}
		i = (i + 1) % MB_RING_SIZE;
	}
	r->buf[first].skb = skb;
	r->buf[first].eop = (i + MB_RING_SIZE - 1) % MB_RING_SIZE;
	netdev_sent_queue(netdev, skb->len);
	skb_tx_timestamp(skb);
	dma_wmb();
	WRITE_ONCE(r->desc[first].opts1, cpu_to_le32(head_opts1 | RTL_DESC_OWN));
	r->next_to_use = i;
	wmb();
	mb_w8(a, RTL_TPPOLL, RTL_TPPOLL_NPQ);

	if (unlikely(mb_unused(r) < MB_TX_WAKE_THRESH)) {
		netif_stop_queue(netdev);
		smp_mb();	/* against mb_tx_clean's wake */
		if (mb_unused(r) >= MB_TX_WAKE_THRESH)
			netif_wake_queue(netdev);
	}
	return NETDEV_TX_OK;

unwind:
	while (i != first) {	/* the chip waits on the first: none was sent */
		i = (i + MB_RING_SIZE - 1) % MB_RING_SIZE;
		r->desc[i].opts1 = cpu_to_le32(mb_eor(i));
		mb_tx_unmap(a, &r->buf[i]);
	}
	mb_tx_drop(a, skb);
	return NETDEV_TX_OK;
}

/* Reap what the chip has sent: a frame is done when its last descriptor
 * is back (QEMU hands them back in order, one by one). */
static void mb_tx_clean(struct mb_adapter *a, int budget)
{
	struct mb_ring *r = &a->tx;
	unsigned int pkts = 0, bytes = 0;

	while (r->next_to_clean != r->next_to_use) {
		u32 i = r->next_to_clean, eop = r->buf[i].eop, j;
		struct sk_buff *skb = r->buf[i].skb;

		if (le32_to_cpu(READ_ONCE(r->desc[eop].opts1)) & RTL_DESC_OWN)
			break;
		dma_rmb();
		for (j = i;; j = (j + 1) % MB_RING_SIZE) {
			mb_tx_unmap(a, &r->buf[j]);
			r->buf[j].skb = NULL;
			if (j == eop)
				break;
		}
		if (skb) {
			pkts++;
			bytes += skb->len;
			napi_consume_skb(skb, budget);
		}
		r->next_to_clean = (eop + 1) % MB_RING_SIZE;
	}
	if (!pkts)
		return;
	netdev_completed_queue(a->netdev, pkts, bytes);
	u64_stats_update_begin(&r->syncp);
	r->packets += pkts;
	r->bytes += bytes;
	u64_stats_update_end(&r->syncp);
	smp_mb();	/* against mb_xmit's stop */
	if (netif_queue_stopped(a->netdev) &&
	    mb_unused(r) >= MB_TX_WAKE_THRESH && !test_bit(MB_DOWN, &a->flags))
		netif_wake_queue(a->netdev);
}

static void mb_tx_unmap_all(struct mb_adapter *a)
{
	struct mb_ring *r = &a->tx;
	u32 i;

	for (i = 0; i < MB_RING_SIZE; i++) {
		mb_tx_unmap(a, &r->buf[i]);
		if (r->buf[i].skb) {
			dev_kfree_skb_any(r->buf[i].skb);
			r->buf[i].skb = NULL;
		}
	}
	netdev_reset_queue(a->netdev);
}

int mb_poll(struct napi_struct *napi, int budget)
{
	struct mb_adapter *a = container_of(napi, struct mb_adapter, napi);
	int done;

	mb_w16(a, RTL_ISR, RTL_INT_RX);	/* before looking: a later frame re-raises */
	mb_tx_clean(a, budget);
	done = mb_rx_clean(a, budget);
	if (done < budget && napi_complete_done(napi, done))
		mb_irq_enable(a);
	return done;
}

/* ---- ring memory ----------------------------------------------------- */

/* Buffers for the current MTU, as 8139cp sizes them: 1536 up to 1500,
 * else the frame plus 8 (a VLAN tag and the CRC). */
int mb_rings_alloc(struct mb_adapter *a)
{
	u32 mtu = a->st->mtu, i;
	int err;

	a->rx_buf_len = mtu > ETH_DATA_LEN ? mtu + ETH_HLEN + 8 : 1536;
	a->ring_mem = dma_alloc_coherent(&a->pdev->dev, MB_RING_BYTES,
					 &a->ring_dma, GFP_KERNEL);
	if (!a->ring_mem)
		return -ENOMEM;
	a->rx.desc = a->ring_mem;
	a->rx.desc_dma = a->ring_dma;
	a->tx.desc = a->rx.desc + MB_RING_SIZE;
	a->tx.desc_dma = a->ring_dma + MB_RING_SIZE * sizeof(struct mb_desc);
	a->rx.next_to_clean = 0;
	a->tx.next_to_use = a->tx.next_to_clean = 0;
	memset(a->rx.buf, 0, sizeof(a->rx.buf));
	memset(a->tx.buf, 0, sizeof(a->tx.buf));
	for (i = 0; i < MB_RING_SIZE; i++) {
		err = mb_rx_map(a, &a->rx.buf[i]);
		if (err) {
			mb_rings_free(a);
			return err;
		}
		mb_rx_give(a, i);
	}
	a->tx.desc[MB_RING_SIZE - 1].opts1 = cpu_to_le32(RTL_DESC_EOR);
	return 0;
}

void mb_rings_free(struct mb_adapter *a)
{
	u32 i;

	if (!a->ring_mem)
		return;
	mb_tx_unmap_all(a);
	for (i = 0; i < MB_RING_SIZE; i++) {
		struct mb_buf *b = &a->rx.buf[i];

		if (!b->skb)
			continue;
		dma_unmap_single(&a->pdev->dev, b->dma, b->len, DMA_FROM_DEVICE);
		dev_kfree_skb_any(b->skb);
		b->skb = NULL;
	}
	dma_free_coherent(&a->pdev->dev, MB_RING_BYTES, a->ring_mem,
			  a->ring_dma);
	a->ring_mem = NULL;
}
