/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one fact about its DMA rings that a k-driver tells the runtime
 * (mb_core_set_rings); every variant's data path names it, so it has a
 * header of its own, free of the channel's API.
 */
#ifndef MB_RINGS_H
#define MB_RINGS_H

/*
 * Where the k-driver's DMA rings stand, as the register policy sees them
 * (mb_core_set_rings).  The k-driver moves OFF -> SETUP before it writes
 * the first ring register and SETUP -> LIVE once they all hold its rings,
 * so a u-driver can neither reset the device under half-programmed rings
 * (a reset zeroes them) nor enable DMA before they are complete.
 */
enum mb_rings {
	MB_RINGS_OFF,		/* no rings: the device may be reset, not enabled */
	MB_RINGS_SETUP,		/* being programmed: neither reset nor enabled */
	MB_RINGS_LIVE,		/* programmed: may be enabled, not reset */
};

#endif /* MB_RINGS_H */
