/* migstate.c - the device state for migration: 'VDPS' v1 out of the CSRs and firmware's own state
 * (STATE_GET), and back into a freshly reset device (STATE_SET: every part checked before any is
 * applied). docs/migration.md "State format". */
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "csr.h"
#include "ctrlq.h"
#include "device.h"
#include "events.h"
#include "migstate.h"
#include "policy.h"
#include "vdpu_state.h"

_Static_assert(VDPS_RXF_ENTRIES == VDPU_RXF_ENTRIES, "the RX filter part holds the device's table");
_Static_assert(VDPU_MIG_STATE_BYTES % 4 == 0, "the state buffer is whole dwords");

uint32_t mig_state[MIG_STATE_WORDS];

/* CRC-32 (IEEE 802.3, reflected, as zlib's crc32) of n bytes: the host checks it with zlib. */
static uint32_t crc32(const uint8_t *p, uint32_t n)
{
    uint32_t c = 0xFFFFFFFFu;
    while (n--) {
        c ^= *p++;
        for (unsigned k = 0; k < 8; k++) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1)));
    }
    return ~c;
}

static uint64_t rd64(uint32_t lo, uint32_t hi) { return (uint64_t)dev_rd(hi) << 32 | dev_rd(lo); }

/* ---- STATE_GET ---------------------------------------------------------------------------------- */

static uint32_t put_at; /* bytes written so far */
static uint32_t nparts;

static void put_part(uint16_t type, uint8_t flags, uint32_t sel, const void *v, uint32_t len)
{
    uint8_t *b = (uint8_t *)mig_state;
    struct vdps_part_hdr h = {type, flags, 0, sel, 0, len};
    memcpy(b + put_at, &h, sizeof h);
    memcpy(b + put_at + sizeof h, v, len);
    uint32_t padded = (len + 3) & ~3u;
    memset(b + put_at + sizeof h + len, 0, padded - len);
    put_at += (uint32_t)sizeof h + padded;
    nparts++;
}

uint32_t migstate_get(void)
{
    put_at = sizeof(struct vdps_hdr);
    nparts = 0;
    put_part(VDPS_DEV_FEATURES, VDPS_F_OPTIONAL, 0, fw.offer, sizeof fw.offer);
    put_part(VDPS_DRV_FEATURES, 0, 0, fw.drv, sizeof fw.drv);
    uint16_t msix = (uint16_t)dev_rd(VDPU_CSR_MSIX_CONFIG);
    put_part(VDPS_PCI_COMMON_CFG, 0, VDPU_COMMON_MSIX, &msix, sizeof msix);
    put_part(VDPS_DEVICE_STATUS, 0, 0, &fw.status, sizeof fw.status);
    unsigned numq = dev_rd(VDPU_CSR_NUMQ), ctrlq = dev_rd(VDPU_CSR_CTRLQ);
    struct vdps_rx_filter rxf;
    struct vdps_vq_runtime cq_rt;
    ctrlq_state_get(&cq_rt, &rxf);
    for (unsigned q = 0; q < numq; q++) {
        dev_qsel(q);
        uint64_t desc = rd64(VDPU_CSR_Q_DESC_LO, VDPU_CSR_Q_DESC_HI);
        uint64_t drv = rd64(VDPU_CSR_Q_AVAIL_LO, VDPU_CSR_Q_AVAIL_HI);
        uint64_t dev = rd64(VDPU_CSR_Q_USED_LO, VDPU_CSR_Q_USED_HI);
        struct vdps_vq_cfg c = {(uint16_t)dev_rd(VDPU_CSR_Q_SIZE), (uint16_t)dev_rd(VDPU_CSR_Q_MSIX),
                                (uint16_t)(dev_rd(VDPU_CSR_Q_ENABLE) & 1), 0, (uint32_t)desc, (uint32_t)(desc >> 32),
                                (uint32_t)drv, (uint32_t)(drv >> 32), (uint32_t)dev, (uint32_t)(dev >> 32)};
        put_part(VDPS_VQ_CFG, 0, q, &c, sizeof c);
    }
    for (unsigned q = 0; q < numq; q++) {
        struct vdps_vq_runtime rt = {0, 0, 0};
        if (q == ctrlq) {
            rt = cq_rt; /* firmware walks the control queue itself */
        } else {
            dev_qsel(q);
            rt.avail_pos = dev_rd(VDPU_CSR_Q_AVAIL_POS);
            rt.used_pos = dev_rd(VDPU_CSR_Q_USED_POS);
            if (dev_rd(VDPU_CSR_Q_KICK) & 1) rt.flags = VDPS_VQ_KICK;
        }
        put_part(VDPS_VQ_RUNTIME, 0, q, &rt, sizeof rt);
    }
    struct vdps_net_cfg n = {dev_rd(VDPU_CSR_NET_MAC_LO), dev_rd(VDPU_CSR_NET_MAC_HI), dev_rd(VDPU_CSR_NET_STATUS),
                             dev_rd(VDPU_CSR_CONFIG_GEN)};
    put_part(VDPS_NET_CFG, 0, 0, &n, sizeof n);
    put_part(VDPS_RX_FILTER, 0, 0, &rxf, sizeof rxf);
    struct vdps_fw f = {(fw.link_owed ? VDPS_FW_LINK_OWED : 0) | (fw.cfg_irq_owed ? VDPS_FW_CFG_IRQ_OWED : 0) |
                        (fw.ctrlq_owed ? VDPS_FW_CTRLQ_OWED : 0) | (fw.err_masked ? VDPS_FW_ERR_MASKED : 0)};
    put_part(VDPS_FW, 0, 0, &f, sizeof f);
    struct vdps_hdr h = {VDPS_MAGIC, VDPS_MAJOR, VDPS_MINOR, put_at, nparts, 0, 0};
    h.crc = crc32((const uint8_t *)mig_state + sizeof h, put_at - (uint32_t)sizeof h);
    memcpy(mig_state, &h, sizeof h);
    return put_at;
}

/* ---- STATE_SET ---------------------------------------------------------------------------------- */

/* What a state names, collected by the check before anything is applied. */
static struct {
    uint32_t drv[4];
    uint16_t msix;
    uint8_t status;
    unsigned nvq;
    struct vdps_vq_cfg vq[VDPU_NUM_QUEUES];
    struct vdps_vq_runtime rt[VDPU_NUM_QUEUES];
    uint32_t have_vq, have_rt; /* bit q: the queue's part was present */
    struct vdps_net_cfg net;
    struct vdps_rx_filter rxf;
    struct vdps_fw fw;
} st;

enum { HAVE_DRV = 1, HAVE_MSIX = 2, HAVE_STATUS = 4, HAVE_NET = 8, HAVE_RXF = 16, HAVE_FW = 32 };

static int check(const char **why)
{
    const uint8_t *b = (const uint8_t *)mig_state;
    struct vdps_hdr h;
    memcpy(&h, b, sizeof h);
    if (h.magic != VDPS_MAGIC) return *why = "not a 'VDPS' state (magic)", -1;
    if (h.major != VDPS_MAJOR) return *why = "state format major version is not 1", -1;
    if (h.len < sizeof h || h.len > VDPU_MIG_STATE_BYTES || h.len % 4) return *why = "state length out of range", -1;
    if (h.rsvd) return *why = "reserved header field not 0", -1;
    if (crc32(b + sizeof h, h.len - (uint32_t)sizeof h) != h.crc) return *why = "CRC mismatch", -1;
    memset(&st, 0, sizeof st);
    unsigned have = 0, numq = dev_rd(VDPU_CSR_NUMQ);
    uint32_t at = sizeof h;
    for (uint32_t i = 0; i < h.parts; i++) {
        struct vdps_part_hdr p;
        if (h.len - at < sizeof p) return *why = "a part runs past the end", -1;
        memcpy(&p, b + at, sizeof p);
        at += (uint32_t)sizeof p;
        uint32_t padded = (p.len + 3) & ~3u;
        if (p.len > h.len || padded > h.len - at) return *why = "a part runs past the end", -1;
        const uint8_t *v = b + at;
        at += padded;
        if (p.rsvd || p.sel_hi) return *why = "reserved part field not 0", -1;
        uint32_t q = p.sel_lo;
        bool vq = p.type == VDPS_VQ_CFG || p.type == VDPS_VQ_RUNTIME;
        if (vq && q >= numq) return *why = "a queue part names a queue the device does not have", -1;
        if (!vq && p.sel_lo && p.type != VDPS_PCI_COMMON_CFG) return *why = "selector not 0", -1;
        unsigned bit = 0;
        uint32_t want;
        void *dst = NULL;
        switch (p.type) {
        case VDPS_DEV_FEATURES:
            if (p.len != sizeof fw.offer) return *why = "DEV_FEATURES length", -1;
            if (memcmp(v, fw.offer, sizeof fw.offer)) return *why = "DEV_FEATURES differ from this device's offer", -1;
            continue;
        case VDPS_DRV_FEATURES: bit = HAVE_DRV, want = sizeof st.drv, dst = st.drv; break;
        case VDPS_PCI_COMMON_CFG:
            if (p.sel_lo != VDPU_COMMON_MSIX) return *why = "PCI_COMMON_CFG for a field not carried (only msix_config)", -1;
            bit = HAVE_MSIX, want = sizeof st.msix, dst = &st.msix;
            break;
        case VDPS_DEVICE_STATUS: bit = HAVE_STATUS, want = sizeof st.status, dst = &st.status; break;
        case VDPS_VQ_CFG:
            if (st.have_vq & 1u << q) return *why = "two VQ_CFG parts for one queue", -1;
            st.have_vq |= 1u << q, want = sizeof st.vq[0], dst = &st.vq[q];
            break;
        case VDPS_VQ_RUNTIME:
            if (st.have_rt & 1u << q) return *why = "two VQ_RUNTIME parts for one queue", -1;
            st.have_rt |= 1u << q, want = sizeof st.rt[0], dst = &st.rt[q];
            break;
        case VDPS_NET_CFG: bit = HAVE_NET, want = sizeof st.net, dst = &st.net; break;
        case VDPS_RX_FILTER: bit = HAVE_RXF, want = sizeof st.rxf, dst = &st.rxf; break;
        case VDPS_FW: bit = HAVE_FW, want = sizeof st.fw, dst = &st.fw; break;
        default:
            if (p.flags & VDPS_F_OPTIONAL) continue; /* "may ignore" an optional part it does not know */
            return *why = "unknown mandatory part", -1;
        }
        if (p.len != want) return *why = "a part's length does not match its type", -1;
        if (have & bit) return *why = "a part appears twice", -1;
        have |= bit;
        memcpy(dst, v, want);
    }
    if (at != h.len) return *why = "bytes after the last part", -1;
    if (have != (HAVE_DRV | HAVE_MSIX | HAVE_STATUS | HAVE_NET | HAVE_RXF | HAVE_FW))
        return *why = "a mandatory part is missing", -1;
    if (st.have_vq != st.have_rt) return *why = "VQ_CFG and VQ_RUNTIME name different queues", -1;
    for (unsigned q = 0; q < numq; q++)
        if (st.vq[q].enabled > 1 || st.vq[q].queue_size > VDPU_QSIZE_MAX || st.vq[q].rsvd ||
            (st.rt[q].flags & ~(VDPS_VQ_CTRLQ_BROKEN | VDPS_VQ_KICK)))
            return *why = "a VQ_CFG or VQ_RUNTIME value out of range", -1;
    return 0;
}

int migstate_set(const char **why)
{
    if (fw.status != 0) return *why = "the device is in use (device_status not 0): reset it first", -1;
    if (check(why)) return -1;
    /* features: what the driver wrote, and the negotiation if FEATURES_OK was accepted */
    for (unsigned w = 0; w < 4; w++) fw.drv[w] = st.drv[w];
    if (st.status & ST_FEATURES_OK) {
        for (unsigned w = 0; w < 4; w++) fw.neg[w] = st.drv[w];
        fw.features_ok = true;
        dev_wr(VDPU_CSR_CTRLQ, policy_ctrlq(fw.neg, fw.max_qp));
        fw_unavailable_queues();
    }
    dev_wr(VDPU_CSR_MSIX_CONFIG, st.msix);
    unsigned ctrlq = dev_rd(VDPU_CSR_CTRLQ);
    for (unsigned q = 0; q < VDPU_NUM_QUEUES; q++) {
        if (!(st.have_vq & 1u << q)) continue;
        const struct vdps_vq_cfg *c = &st.vq[q];
        dev_qsel(q);
        dev_wr(VDPU_CSR_Q_SIZE, c->queue_size);
        dev_wr(VDPU_CSR_Q_MSIX, c->vector);
        dev_wr(VDPU_CSR_Q_DESC_LO, c->desc_lo);
        dev_wr(VDPU_CSR_Q_DESC_HI, c->desc_hi);
        dev_wr(VDPU_CSR_Q_AVAIL_LO, c->driver_lo);
        dev_wr(VDPU_CSR_Q_AVAIL_HI, c->driver_hi);
        dev_wr(VDPU_CSR_Q_USED_LO, c->device_lo);
        dev_wr(VDPU_CSR_Q_USED_HI, c->device_hi);
        if (q != ctrlq) { /* positions only while disabled: before the enable */
            dev_wr(VDPU_CSR_Q_AVAIL_POS, st.rt[q].avail_pos);
            dev_wr(VDPU_CSR_Q_USED_POS, st.rt[q].used_pos);
        }
        if (c->enabled) {
            dev_wr(VDPU_CSR_Q_ENABLE, 1);
            dev_wr(VDPU_CSR_Q_RESET, 0);
        }
    }
    struct vdps_vq_runtime cq_rt = {0x10000u, 0x10000u, 0};
    if (ctrlq < VDPU_NUM_QUEUES && (st.have_rt & 1u << ctrlq)) cq_rt = st.rt[ctrlq];
    ctrlq_state_set(&cq_rt, &st.rxf);
    dev_wr(VDPU_CSR_NET_MAC_LO, st.net.mac_lo);
    dev_wr(VDPU_CSR_NET_MAC_HI, st.net.mac_hi);
    dev_wr(VDPU_CSR_NET_STATUS, st.net.status);
    dev_wr(VDPU_CSR_CONFIG_GEN, st.net.config_gen);
    fw.link_owed = st.fw.flags & VDPS_FW_LINK_OWED;
    fw.cfg_irq_owed = st.fw.flags & VDPS_FW_CFG_IRQ_OWED;
    fw.ctrlq_owed = st.fw.flags & VDPS_FW_CTRLQ_OWED;
    /* the link here may not be where it was there: told at the run, as a change while stopped */
    bool up = dev_rd(VDPU_CSR_LINK_STATE) & VDPU_LINK_STATE_UP;
    if (up != ((st.net.status & NET_S_LINK_UP) != 0)) fw.link_owed = true;
    if (st.fw.flags & VDPS_FW_ERR_MASKED) {
        fw.err_masked = true;
        fw_set_irq_enable(fw.irq_enable & ~VDPU_IRQ_STATUS_INT_ERR);
    }
    dev_wr(VDPU_CSR_DEVICE_STATUS, st.status);
    fw.status = st.status;
    /* the engine runs from DRIVER_OK on; a suspended device had it (SUSPEND clears DRIVER_OK) */
    if (fw.features_ok && (st.status & (ST_DRIVER_OK | ST_SUSPEND))) fw_engine_start();
    return 0;
}
