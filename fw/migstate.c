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

/* CRC-32 (IEEE 802.3, reflected, as zlib's crc32) of n bytes: the host checks it with zlib. A byte at a
 * time from a 256-entry table (entry i: i run through the bitwise loop for 8 bits, polynomial 0xEDB88320;
 * the host's zlib check fails on any wrong entry): the bitwise loop cost ~40 cycles a byte, most of a
 * migration's downtime. */
static const uint32_t crc_table[256] = {
    0x00000000u, 0x77073096u, 0xEE0E612Cu, 0x990951BAu, 0x076DC419u, 0x706AF48Fu,
    0xE963A535u, 0x9E6495A3u, 0x0EDB8832u, 0x79DCB8A4u, 0xE0D5E91Eu, 0x97D2D988u,
    0x09B64C2Bu, 0x7EB17CBDu, 0xE7B82D07u, 0x90BF1D91u, 0x1DB71064u, 0x6AB020F2u,
    0xF3B97148u, 0x84BE41DEu, 0x1ADAD47Du, 0x6DDDE4EBu, 0xF4D4B551u, 0x83D385C7u,
    0x136C9856u, 0x646BA8C0u, 0xFD62F97Au, 0x8A65C9ECu, 0x14015C4Fu, 0x63066CD9u,
    0xFA0F3D63u, 0x8D080DF5u, 0x3B6E20C8u, 0x4C69105Eu, 0xD56041E4u, 0xA2677172u,
    0x3C03E4D1u, 0x4B04D447u, 0xD20D85FDu, 0xA50AB56Bu, 0x35B5A8FAu, 0x42B2986Cu,
    0xDBBBC9D6u, 0xACBCF940u, 0x32D86CE3u, 0x45DF5C75u, 0xDCD60DCFu, 0xABD13D59u,
    0x26D930ACu, 0x51DE003Au, 0xC8D75180u, 0xBFD06116u, 0x21B4F4B5u, 0x56B3C423u,
    0xCFBA9599u, 0xB8BDA50Fu, 0x2802B89Eu, 0x5F058808u, 0xC60CD9B2u, 0xB10BE924u,
    0x2F6F7C87u, 0x58684C11u, 0xC1611DABu, 0xB6662D3Du, 0x76DC4190u, 0x01DB7106u,
    0x98D220BCu, 0xEFD5102Au, 0x71B18589u, 0x06B6B51Fu, 0x9FBFE4A5u, 0xE8B8D433u,
    0x7807C9A2u, 0x0F00F934u, 0x9609A88Eu, 0xE10E9818u, 0x7F6A0DBBu, 0x086D3D2Du,
    0x91646C97u, 0xE6635C01u, 0x6B6B51F4u, 0x1C6C6162u, 0x856530D8u, 0xF262004Eu,
    0x6C0695EDu, 0x1B01A57Bu, 0x8208F4C1u, 0xF50FC457u, 0x65B0D9C6u, 0x12B7E950u,
    0x8BBEB8EAu, 0xFCB9887Cu, 0x62DD1DDFu, 0x15DA2D49u, 0x8CD37CF3u, 0xFBD44C65u,
    0x4DB26158u, 0x3AB551CEu, 0xA3BC0074u, 0xD4BB30E2u, 0x4ADFA541u, 0x3DD895D7u,
    0xA4D1C46Du, 0xD3D6F4FBu, 0x4369E96Au, 0x346ED9FCu, 0xAD678846u, 0xDA60B8D0u,
    0x44042D73u, 0x33031DE5u, 0xAA0A4C5Fu, 0xDD0D7CC9u, 0x5005713Cu, 0x270241AAu,
    0xBE0B1010u, 0xC90C2086u, 0x5768B525u, 0x206F85B3u, 0xB966D409u, 0xCE61E49Fu,
    0x5EDEF90Eu, 0x29D9C998u, 0xB0D09822u, 0xC7D7A8B4u, 0x59B33D17u, 0x2EB40D81u,
    0xB7BD5C3Bu, 0xC0BA6CADu, 0xEDB88320u, 0x9ABFB3B6u, 0x03B6E20Cu, 0x74B1D29Au,
    0xEAD54739u, 0x9DD277AFu, 0x04DB2615u, 0x73DC1683u, 0xE3630B12u, 0x94643B84u,
    0x0D6D6A3Eu, 0x7A6A5AA8u, 0xE40ECF0Bu, 0x9309FF9Du, 0x0A00AE27u, 0x7D079EB1u,
    0xF00F9344u, 0x8708A3D2u, 0x1E01F268u, 0x6906C2FEu, 0xF762575Du, 0x806567CBu,
    0x196C3671u, 0x6E6B06E7u, 0xFED41B76u, 0x89D32BE0u, 0x10DA7A5Au, 0x67DD4ACCu,
    0xF9B9DF6Fu, 0x8EBEEFF9u, 0x17B7BE43u, 0x60B08ED5u, 0xD6D6A3E8u, 0xA1D1937Eu,
    0x38D8C2C4u, 0x4FDFF252u, 0xD1BB67F1u, 0xA6BC5767u, 0x3FB506DDu, 0x48B2364Bu,
    0xD80D2BDAu, 0xAF0A1B4Cu, 0x36034AF6u, 0x41047A60u, 0xDF60EFC3u, 0xA867DF55u,
    0x316E8EEFu, 0x4669BE79u, 0xCB61B38Cu, 0xBC66831Au, 0x256FD2A0u, 0x5268E236u,
    0xCC0C7795u, 0xBB0B4703u, 0x220216B9u, 0x5505262Fu, 0xC5BA3BBEu, 0xB2BD0B28u,
    0x2BB45A92u, 0x5CB36A04u, 0xC2D7FFA7u, 0xB5D0CF31u, 0x2CD99E8Bu, 0x5BDEAE1Du,
    0x9B64C2B0u, 0xEC63F226u, 0x756AA39Cu, 0x026D930Au, 0x9C0906A9u, 0xEB0E363Fu,
    0x72076785u, 0x05005713u, 0x95BF4A82u, 0xE2B87A14u, 0x7BB12BAEu, 0x0CB61B38u,
    0x92D28E9Bu, 0xE5D5BE0Du, 0x7CDCEFB7u, 0x0BDBDF21u, 0x86D3D2D4u, 0xF1D4E242u,
    0x68DDB3F8u, 0x1FDA836Eu, 0x81BE16CDu, 0xF6B9265Bu, 0x6FB077E1u, 0x18B74777u,
    0x88085AE6u, 0xFF0F6A70u, 0x66063BCAu, 0x11010B5Cu, 0x8F659EFFu, 0xF862AE69u,
    0x616BFFD3u, 0x166CCF45u, 0xA00AE278u, 0xD70DD2EEu, 0x4E048354u, 0x3903B3C2u,
    0xA7672661u, 0xD06016F7u, 0x4969474Du, 0x3E6E77DBu, 0xAED16A4Au, 0xD9D65ADCu,
    0x40DF0B66u, 0x37D83BF0u, 0xA9BCAE53u, 0xDEBB9EC5u, 0x47B2CF7Fu, 0x30B5FFE9u,
    0xBDBDF21Cu, 0xCABAC28Au, 0x53B39330u, 0x24B4A3A6u, 0xBAD03605u, 0xCDD70693u,
    0x54DE5729u, 0x23D967BFu, 0xB3667A2Eu, 0xC4614AB8u, 0x5D681B02u, 0x2A6F2B94u,
    0xB40BBE37u, 0xC30C8EA1u, 0x5A05DF1Bu, 0x2D02EF8Du,
};

static uint32_t crc32(const uint8_t *p, uint32_t n)
{
    uint32_t c = 0xFFFFFFFFu;
    while (n--) c = crc_table[(c ^ *p++) & 0xFF] ^ (c >> 8);
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
    struct vdps_steer sg; /* stopped: no transmitted frame changes the table meanwhile */
    for (unsigned i = 0; i < VDPU_STEER_ENTRIES; i++) {
        dev_wr(VDPU_CSR_STEER_IDX, i);
        sg.tbl[i] = (uint8_t)dev_rd(VDPU_CSR_STEER_ENT);
    }
    put_part(VDPS_STEER, 0, 0, &sg, sizeof sg);
    struct vdps_fw f = {(fw.link_owed ? VDPS_FW_LINK_OWED : 0) | (fw.cfg_irq_owed ? VDPS_FW_CFG_IRQ_OWED : 0) |
                        (fw.ctrlq_owed ? VDPS_FW_CTRLQ_OWED : 0) | (fw.err_masked ? VDPS_FW_ERR_MASKED : 0)};
    put_part(VDPS_FW, 0, 0, &f, sizeof f);
    struct vdps_hdr h = {VDPS_MAGIC, VDPS_MAJOR, VDPS_MINOR, put_at, nparts, 0, 0};
    h.crc = crc32((const uint8_t *)mig_state + sizeof h, put_at - (uint32_t)sizeof h);
    memcpy(mig_state, &h, sizeof h);
    /* into the state RAM, where the host reads it through the MIG window */
    dev_wr(VDPU_CSR_MIG_RAM_IDX, 0);
    for (uint32_t i = 0; i < put_at / 4; i++) dev_wr(VDPU_CSR_MIG_RAM_DATA, mig_state[i]);
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
    struct vdps_msix_pending pba;
    struct vdps_steer steer;
} st;

enum { HAVE_DRV = 1, HAVE_MSIX = 2, HAVE_STATUS = 4, HAVE_NET = 8, HAVE_RXF = 16, HAVE_FW = 32, HAVE_PBA = 64,
       HAVE_STEER = 128 };

/* The state RAM's first n dwords into mig_state. */
static void ram_get(uint32_t n)
{
    for (uint32_t i = 0; i < n && i < MIG_STATE_WORDS; i++) {
        dev_wr(VDPU_CSR_MIG_RAM_IDX, i);
        mig_state[i] = dev_rd(VDPU_CSR_MIG_RAM_DATA);
    }
}

/* A ring position as Q_AVAIL_POS / Q_USED_POS take it: nothing above the wrap bit, and on a packed ring a
 * slot of the ring (the engine would read and write descriptors past the ring's end; a queue of size 0
 * never runs); a split ring's indices are free-running, every value is one */
static bool ring_pos_ok(uint32_t pos, uint32_t queue_size, bool packed)
{
    if (pos & ~(uint32_t)(VDPU_Q_AVAIL_POS_IDX | VDPU_Q_AVAIL_POS_WRAP)) return false;
    return !packed || !queue_size || (pos & VDPU_Q_AVAIL_POS_IDX) >> VDPU_Q_AVAIL_POS_IDX_LSB < queue_size;
}

static int check(const char **why)
{
    const uint8_t *b = (const uint8_t *)mig_state;
    struct vdps_hdr h;
    ram_get(sizeof h / 4);
    memcpy(&h, b, sizeof h);
    if (h.magic != VDPS_MAGIC) return *why = "not a 'VDPS' state (magic)", -1;
    if (h.major != VDPS_MAJOR) return *why = "state format major version is not 1", -1;
    if (h.len < sizeof h || h.len > VDPU_MIG_STATE_BYTES || h.len % 4) return *why = "state length out of range", -1;
    if (h.rsvd) return *why = "reserved header field not 0", -1;
    ram_get(h.len / 4);
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
        case VDPS_MSIX_PENDING: bit = HAVE_PBA, want = sizeof st.pba, dst = &st.pba; break;
        case VDPS_STEER: bit = HAVE_STEER, want = sizeof st.steer, dst = &st.steer; break;
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
    if ((have & ~HAVE_PBA) != (HAVE_DRV | HAVE_MSIX | HAVE_STATUS | HAVE_NET | HAVE_RXF | HAVE_FW | HAVE_STEER))
        return *why = "a mandatory part is missing", -1;
    if (st.pba.pending >> VDPU_NUM_VECTORS) return *why = "MSIX_PENDING names a vector the device does not have", -1;
    if (st.have_vq != st.have_rt) return *why = "VQ_CFG and VQ_RUNTIME name different queues", -1;
    for (unsigned q = 0; q < numq; q++)
        if (st.vq[q].enabled > 1 || st.vq[q].queue_size > VDPU_QSIZE_MAX || st.vq[q].rsvd ||
            (st.rt[q].flags & ~(VDPS_VQ_CTRLQ_BROKEN | VDPS_VQ_KICK)))
            return *why = "a VQ_CFG or VQ_RUNTIME value out of range", -1;
    bool packed = feat_has(st.drv, F_RING_PACKED);
    for (unsigned q = 0; q < numq; q++)
        if ((st.have_rt & 1u << q) && (!ring_pos_ok(st.rt[q].avail_pos, st.vq[q].queue_size, packed) ||
                                       !ring_pos_ok(st.rt[q].used_pos, st.vq[q].queue_size, packed)))
            return *why = "a VQ_RUNTIME ring position outside its queue (packed: a slot past queue_size)", -1;
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
    /* after MQ_PAIRS (whose write empties the flow table): the flows go on to their pairs */
    for (unsigned i = 0; i < VDPU_STEER_ENTRIES; i++) {
        dev_wr(VDPU_CSR_STEER_IDX, i);
        dev_wr(VDPU_CSR_STEER_ENT, st.steer.tbl[i]);
    }
    dev_wr(VDPU_CSR_NET_MAC_LO, st.net.mac_lo);
    dev_wr(VDPU_CSR_NET_MAC_HI, st.net.mac_hi);
    dev_wr(VDPU_CSR_NET_STATUS, st.net.status);
    dev_wr(VDPU_CSR_CONFIG_GEN, st.net.config_gen);
    fw.link_owed = st.fw.flags & VDPS_FW_LINK_OWED;
    fw.cfg_irq_owed = st.fw.flags & VDPS_FW_CFG_IRQ_OWED;
    fw.ctrlq_owed = st.fw.flags & VDPS_FW_CTRLQ_OWED;
    fw.msix_owed = st.pba.pending;
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
