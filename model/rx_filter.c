/* rx_filter.c - the RX filter: which frames from the network port the device accepts (promiscuous, multicast, MAC table). */
#include "model.h"

static bool mac_eq(const uint8_t d[6], uint32_t lo, uint32_t hi)
{
    return le32_at(d) == lo && le16_at(d + 4) == (uint16_t)hi;
}

/*
 * The verdict on a complete frame (pre-edge CSRs): everything in promiscuous mode; otherwise a frame
 * needs a destination address (six bytes), and passes when it is broadcast, multicast with
 * all-multicast on, unicast with all-unicast on, the device's MAC (NET_MAC), or a valid table entry.
 */
bool model_rxf_accept(const struct vdpu_state *s, const uint8_t dst[6], uint32_t len)
{
    const struct vdpu_rxf *f = &s->rxf;
    if (f->ctrl & VDPU_RXF_CTRL_ALL) return true;
    if (len < 6) return false;
    bool bcast = true;
    for (unsigned i = 0; i < 6; i++) bcast = bcast && dst[i] == 0xFF;
    if (bcast) return true;
    bool multi = dst[0] & 1;
    if (multi && (f->ctrl & VDPU_RXF_CTRL_ALLMULTI)) return true;
    if (!multi && (f->ctrl & VDPU_RXF_CTRL_ALLUNI)) return true;
    if (mac_eq(dst, s->net_mac_lo, s->net_mac_hi)) return true;
    for (unsigned i = 0; i < VDPU_RXF_ENTRIES; i++)
        if ((f->mac_hi[i] & VDPU_RXF_MAC_HI0_VALID) && mac_eq(dst, f->mac_lo[i], f->mac_hi[i])) return true;
    return false;
}
