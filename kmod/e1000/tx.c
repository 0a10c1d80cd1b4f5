// SPDX-License-Identifier: GPL-2.0
/*
 * Transmit: scatter-gather, checksum offload and TCP segmentation offload
 * with the 82540EM's context and data descriptors (SDM 3.3.6-3.3.7), and
 * reaping of completed packets.  Data path only: nothing here is a
 * control operation.
 */
#include <linux/dma-mapping.h>
#include <linux/if_vlan.h>
#include <linux/ip.h>
#include <linux/netdevice.h>
#include <linux/tcp.h>
#include <net/checksum.h>
#include <net/ip.h>

#include "mb_e1000.h"

static struct mb_tx_desc *tx_desc(struct mb_ring *r, u32 i)
{
	return (struct mb_tx_desc *)r->desc + i;
}

static u32 chunks(u32 len)
{
	return DIV_ROUND_UP(len, MB_TX_CHUNK);
}

static u32 tx_desc_needed(const struct sk_buff *skb)
{
	u32 n = 1 + chunks(skb_headlen(skb)), f;

	for (f = 0; f < skb_shinfo(skb)->nr_frags; f++)
		n += chunks(skb_frag_size(&skb_shinfo(skb)->frags[f]));
	return n;
}

/*
 * Fill a context descriptor at slot i for TSO or checksum offload.
 * Returns 1 if one was written (and sets the data descriptors' flags),
 * 0 if the packet goes out with legacy descriptors, <0 to drop it.
 */
static int tx_offload(struct mb_ring *r, struct sk_buff *skb, u32 i,
		      u32 *lower, u32 *upper)
{
	struct mb_ctx_desc *c = (struct mb_ctx_desc *)tx_desc(r, i);
	u32 start, off, hdr_len;
	struct iphdr *iph;
	int err;

	*lower = 0;
	*upper = 0;
	if (skb_is_gso(skb)) {
		/* NETIF_F_TSO: TCP over IPv4.  The device rewrites length,
		 * id and checksums per segment from a length-0 pseudo-header
		 * sum (SDM 3.5.x TCP segmentation). */
		err = skb_cow_head(skb, 0);
		if (err)
			return err;
		hdr_len = skb_tcp_all_headers(skb);
		if (hdr_len > 255)
			return -EINVAL;
		iph = ip_hdr(skb);
		iph->tot_len = 0;
		iph->check = 0;
		tcp_hdr(skb)->check = ~csum_tcpudp_magic(iph->saddr, iph->daddr,
							 0, IPPROTO_TCP, 0);
		c->ipcss = skb_network_offset(skb);
		c->ipcso = (u8 *)&iph->check - skb->data;
		c->ipcse = cpu_to_le16(skb_transport_offset(skb) - 1);
		c->tucss = skb_transport_offset(skb);
		c->tucso = (u8 *)&tcp_hdr(skb)->check - skb->data;
		c->tucse = 0;
		c->cmd_and_length = cpu_to_le32(E1000_TXD_CMD_DEXT |
						E1000_TXD_CMD_TSE |
						E1000_TXD_CMD_TCP |
						E1000_TXD_CMD_IP |
						(skb->len - hdr_len));
		c->status = 0;
		c->hdr_len = hdr_len;
		c->mss = cpu_to_le16(skb_shinfo(skb)->gso_size);
		*lower = E1000_TXD_CMD_DEXT | E1000_TXD_DTYP_D | E1000_TXD_CMD_TSE;
		*upper = E1000_TXD_POPTS_IXSM | E1000_TXD_POPTS_TXSM;
		return 1;
	}
	if (skb->ip_summed != CHECKSUM_PARTIAL)
		return 0;
	/* NETIF_F_HW_CSUM: checksum from csum_start to the end, stored at
	 * csum_start + csum_offset; the fields are 8 bits wide. */
	start = skb_checksum_start_offset(skb);
	off = start + skb->csum_offset;
	if (start > 255 || off > 254)
		return skb_checksum_help(skb) ? -EINVAL : 0;
	memset(c, 0, sizeof(*c));
	c->tucss = start;
	c->tucso = off;
	c->cmd_and_length = cpu_to_le32(E1000_TXD_CMD_DEXT);
	*lower = E1000_TXD_CMD_DEXT | E1000_TXD_DTYP_D;
	*upper = E1000_TXD_POPTS_TXSM;
	return 1;
}

/* Emit descriptors for one mapped buffer, MB_TX_CHUNK bytes at a time. */
static u32 tx_emit(struct mb_ring *r, u32 i, dma_addr_t dma, u32 len,
		   u32 lower, u32 upper, u32 *last)
{
	struct mb_tx_desc *d;
	u32 n;

	while (len) {
		n = min_t(u32, len, MB_TX_CHUNK);
		d = tx_desc(r, i);
		d->addr = cpu_to_le64(dma);
		d->lower = cpu_to_le32(n | lower | E1000_TXD_CMD_IFCS |
				       E1000_TXD_CMD_IDE);
		d->upper = cpu_to_le32(upper);
		*last = i;
		i = (i + 1) % r->count;
		dma += n;
		len -= n;
	}
	return i;
}

static void tx_unmap(struct mb_adapter *a, struct mb_buf *b)
{
	if (!b->len)
		return;
	if (b->page)
		dma_unmap_page(&a->pdev->dev, b->dma, b->len, DMA_TO_DEVICE);
	else
		dma_unmap_single(&a->pdev->dev, b->dma, b->len, DMA_TO_DEVICE);
	b->len = 0;
}

/* SDM 3.3.8: hand every descriptor up to next_to_use to the device. */
static void tx_kick(struct mb_adapter *a)
{
	wmb();	/* descriptors before the tail */
	mb_wr(a, E1000_TDT, a->tx.next_to_use);
}

/* A dropped packet may end a batch whose tail write was deferred
 * (xmit_more): kick what is queued so it does not wait for the next one. */
static void tx_drop(struct mb_adapter *a, struct sk_buff *skb)
{
	dev_kfree_skb_any(skb);
	tx_kick(a);
	u64_stats_update_begin(&a->tx.syncp);
	a->tx.dropped++;
	u64_stats_update_end(&a->tx.syncp);
}

netdev_tx_t mb_xmit(struct sk_buff *skb, struct net_device *netdev)
{
	struct mb_adapter *a = netdev_priv(netdev);
	struct device *dev = &a->pdev->dev;
	struct mb_ring *r = &a->tx;
	u32 first = r->next_to_use, i = first, last = first, lower, upper, f;
	struct mb_buf *b;
	dma_addr_t dma;
	int ctx;

	if (unlikely(mb_ring_unused(r) < tx_desc_needed(skb))) {
		netif_stop_queue(netdev);
		tx_kick(a);
		return NETDEV_TX_BUSY;
	}
	ctx = tx_offload(r, skb, i, &lower, &upper);
	if (ctx < 0) {
		tx_drop(a, skb);
		return NETDEV_TX_OK;
	}
	i = (i + ctx) % r->count;
	if (skb_vlan_tag_present(skb)) {	/* the MAC inserts it (CTRL.VME) */
		lower |= E1000_TXD_CMD_VLE;
		upper |= (u32)skb_vlan_tag_get(skb) << 16;
	}

	/* head, then fragments; each mapping is recorded where it starts */
	dma = dma_map_single(dev, skb->data, skb_headlen(skb), DMA_TO_DEVICE);
	if (dma_mapping_error(dev, dma))
		goto unwind;
	b = &r->buf[i];
	b->dma = dma;
	b->len = skb_headlen(skb);
	b->page = 0;
	i = tx_emit(r, i, dma, skb_headlen(skb), lower, upper, &last);
	for (f = 0; f < skb_shinfo(skb)->nr_frags; f++) {
		const skb_frag_t *frag = &skb_shinfo(skb)->frags[f];

		dma = skb_frag_dma_map(dev, frag, 0, skb_frag_size(frag),
				       DMA_TO_DEVICE);
		if (dma_mapping_error(dev, dma))
			goto unwind;
		b = &r->buf[i];
		b->dma = dma;
		b->len = skb_frag_size(frag);
		b->page = 1;
		i = tx_emit(r, i, dma, skb_frag_size(frag), lower, upper, &last);
	}
	/* report status (DD) on the last descriptor only */
	tx_desc(r, last)->lower |= cpu_to_le32(E1000_TXD_CMD_EOP |
					       E1000_TXD_CMD_RS);
	r->buf[first].skb = skb;
	r->buf[first].eop = last;
	skb_tx_timestamp(skb);
	r->next_to_use = i;

	if (unlikely(mb_ring_unused(r) < MB_TX_DESC_MAX)) {
		netif_stop_queue(netdev);
		smp_mb();	/* pairs with mb_tx_clean: recheck after stop */
		if (mb_ring_unused(r) >= MB_TX_WAKE_THRESH)
			netif_start_queue(netdev);
	}
	/* One tail write per batch: the stack says when more packets
	 * follow at once; a stopped queue gets no more, so kick now.  Byte
	 * queue limits may stop it too: __netdev_tx_sent_queue says when. */
	if (__netdev_tx_sent_queue(netdev_get_tx_queue(netdev, 0), skb->len,
				   netdev_xmit_more()) ||
	    netif_queue_stopped(netdev))
		tx_kick(a);
	return NETDEV_TX_OK;

unwind:
	for (f = first; f != i; f = (f + 1) % r->count)
		tx_unmap(a, &r->buf[f]);
	tx_drop(a, skb);
	return NETDEV_TX_OK;
}

void mb_tx_clean(struct mb_adapter *a, int budget)
{
	struct mb_ring *r = &a->tx;
	u32 i = r->next_to_clean, eop, pkts = 0, skbs = 0, bytes = 0;
	struct sk_buff *skb;

	while (i != r->next_to_use) {
		eop = r->buf[i].eop;
		if (!(le32_to_cpu(READ_ONCE(tx_desc(r, eop)->upper)) &
		      E1000_TXD_STAT_DD))
			break;
		dma_rmb();
		skb = r->buf[i].skb;
		r->buf[i].skb = NULL;
		for (;;) {
			tx_unmap(a, &r->buf[i]);
			/* wholly: a device that read it again would find no
			 * address of a buffer that is unmapped and freed now */
			memset(tx_desc(r, i), 0, sizeof(struct mb_tx_desc));
			if (i == eop)
				break;
			i = (i + 1) % r->count;
		}
		i = (i + 1) % r->count;
		pkts += skb_shinfo(skb)->gso_segs ?: 1;
		skbs++;
		bytes += skb->len;	/* as given to BQL in mb_xmit */
		napi_consume_skb(skb, budget);
	}
	r->next_to_clean = i;
	if (!pkts)
		return;
	netdev_completed_queue(a->netdev, skbs, bytes);
	u64_stats_update_begin(&r->syncp);
	r->packets += pkts;
	r->bytes += bytes;
	u64_stats_update_end(&r->syncp);

	smp_mb();	/* pairs with mb_xmit's stop/recheck */
	if (netif_queue_stopped(a->netdev) &&
	    mb_ring_unused(r) >= MB_TX_WAKE_THRESH &&
	    !test_bit(MB_DOWN, &a->flags))
		netif_wake_queue(a->netdev);
}

/* Teardown (device already stopped): release every mapping and skb. */
void mb_tx_unmap_all(struct mb_adapter *a)
{
	struct mb_ring *r = &a->tx;
	u32 i;

	for (i = 0; r->buf && i < r->count; i++) {
		tx_unmap(a, &r->buf[i]);
		if (r->buf[i].skb) {
			dev_kfree_skb_any(r->buf[i].skb);
			r->buf[i].skb = NULL;
		}
	}
	netdev_reset_queue(a->netdev);	/* BQL: nothing in flight now */
}
