/* ctrlq.c - the control virtqueue: walk split/packed rings through the firmware DMA channel, execute commands, ack, interrupt. */
#include <inttypes.h>
#include <stdio.h>

#include "csr.h"
#include "ctrlq.h"
#include "device.h"
#include "policy.h"
#include "rv.h"

/* virtio-net control commands (virtio 1.2, 5.1.6.5) */
#define CLASS_RX 0
#define RX_PROMISC 0
#define RX_ALLMULTI 1
#define CLASS_MAC 1
#define MAC_TABLE_SET 0
#define MAC_ADDR_SET 1
#define CLASS_MQ 4
#define MQ_VQ_PAIRS_SET 0
#define ACK_OK 0
#define ACK_ERR 1

/* descriptor flags (split and packed), avail flags, packed event flags */
#define D_NEXT 0x1u
#define D_WRITE 0x2u
#define D_INDIRECT 0x4u
#define D_AVAIL 0x80u
#define D_USED 0x8000u
#define AVAIL_NO_INTERRUPT 0x1u
#define EVF_DISABLE 1u
#define EVF_DESC 2u

/* A transfer is a few hundred cycles (one link round trip). A read the host never answers fails in
 * the channel itself after CPL_TIMEOUT (1 ms by default: FWDMA_ERR_TIMEOUT); a channel still busy
 * after 2 ms (a timeout firmware turned off or set longer) is abandoned here, so the CPU never hangs:
 * either way the command is treated as malformed. */
#define FWDMA_TIMEOUT_CYCLES (2000u * CYCLES_PER_US)
#define MAX_SEGS 8 /* device-readable descriptors of one command */

/* Why a control-queue chain is malformed (logged; the device then needs a reset). */
enum cq_err {
    CQ_OK = 0,
    CQ_DMA,       /* the channel refused or failed a transfer (address outside host memory, bad completion) */
    CQ_TIMEOUT,   /* the channel never finished */
    CQ_IDX,       /* avail idx more than queue_size ahead */
    CQ_ID,        /* descriptor id / next >= queue_size */
    CQ_ZERO_LEN,  /* zero-length descriptor */
    CQ_LOOP,      /* chain longer than queue_size */
    CQ_ORDER,     /* device-readable descriptor after a device-writable one */
    CQ_NO_ACK,    /* no device-writable descriptor for the ack */
    CQ_SEGS,      /* more than MAX_SEGS readable descriptors */
    CQ_CHAIN,     /* packed: the chain continues into a descriptor that is not available */
    CQ_INDIRECT,  /* indirect table without INDIRECT_DESC, nested, with NEXT, or a bad length */
};

static const char *const cq_err_name[] = {
    "ok", "DMA transfer failed", "DMA transfer timed out", "avail idx too far ahead", "descriptor id out of range",
    "zero-length descriptor", "chain longer than the queue", "readable descriptor after a writable one",
    "no writable descriptor for the ack", "too many readable descriptors", "chain continues into an unavailable slot",
    "bad indirect descriptor",
};

struct qview {
    unsigned q;
    uint16_t size;
    uint64_t desc, driver, device;
    bool packed, evidx, indirect;
};

struct desc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags;
    uint16_t next; /* split: next; packed: buffer id */
};

/* One command: where its readable bytes are, where the ack goes. */
struct cmd {
    uint64_t seg_addr[MAX_SEGS];
    uint32_t seg_len[MAX_SEGS];
    unsigned nseg;
    uint32_t rd_total;
    uint64_t ack_addr;
    bool have_ack;
};

static struct {
    uint16_t last_avail, used_idx; /* split: indices; packed: slots */
    bool avail_wrap, used_wrap;    /* packed wrap counters */
    bool broken;                   /* a malformed chain was seen: nothing more until a reset */
    uint8_t boot_mac[6];
    bool promisc, allmulti, uc_ovf, mc_ovf;
    uint16_t pairs;
    uint32_t dma_status; /* FWDMA_STATUS of the last failed transfer */
} cq;

static uint8_t buf[VDPU_FWDMA_BYTES]; /* copy of FWDMA_DATA after a read */

static uint16_t le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t le32(const uint8_t *p) { return le16(p) | (uint32_t)le16(p + 2) << 16; }

/* ---- the DMA channel ------------------------------------------------------------------------- */

static int dma(uint64_t addr, uint32_t len, bool write)
{
    dev_wr(VDPU_CSR_FWDMA_ADDR_LO, (uint32_t)addr);
    dev_wr(VDPU_CSR_FWDMA_ADDR_HI, (uint32_t)(addr >> 32));
    dev_wr(VDPU_CSR_FWDMA_LEN, len);
    dev_wr(VDPU_CSR_FWDMA_CTRL, VDPU_FWDMA_CTRL_START | (write ? VDPU_FWDMA_CTRL_WRITE : 0));
    uint32_t t0 = mtime_lo();
    for (;;) {
        uint32_t st = dev_rd(VDPU_CSR_FWDMA_STATUS);
        if (!(st & VDPU_FWDMA_STATUS_BUSY)) {
            if (!(st & VDPU_FWDMA_STATUS_ERR)) return CQ_OK;
            cq.dma_status = st;
            return CQ_DMA;
        }
        if (mtime_lo() - t0 > FWDMA_TIMEOUT_CYCLES) return CQ_TIMEOUT;
    }
}

/* host [addr, addr+len) -> buf (len <= VDPU_FWDMA_BYTES) */
static int host_rd(uint64_t addr, uint32_t len)
{
    int r = dma(addr, len, false);
    if (r) return r;
    for (uint32_t i = 0; i < len; i += 4) {
        uint32_t w = dev_rd(VDPU_CSR_FWDMA_DATA0 + i);
        for (unsigned b = 0; b < 4; b++) buf[i + b] = (uint8_t)(w >> (8 * b));
    }
    return CQ_OK;
}

/* p[0..len) -> host addr (len <= 8: the ack byte, a used element, a used idx) */
static int host_wr(uint64_t addr, const uint8_t *p, uint32_t len)
{
    for (uint32_t i = 0; i < len; i += 4) {
        uint32_t w = 0;
        for (unsigned b = 0; b < 4 && i + b < len; b++) w |= (uint32_t)p[i + b] << (8 * b);
        dev_wr(VDPU_CSR_FWDMA_DATA0 + i, w);
    }
    return dma(addr, len, true);
}

static int host_wr16(uint64_t addr, uint16_t v)
{
    uint8_t b[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
    return host_wr(addr, b, 2);
}

/* ---- RX filter and MAC ------------------------------------------------------------------------- */

static void rxf_commit(void)
{
    dev_wr(VDPU_CSR_RXF_CTRL, (cq.promisc ? VDPU_RXF_CTRL_ALL : 0) | (cq.allmulti || cq.mc_ovf ? VDPU_RXF_CTRL_ALLMULTI : 0) |
                                  (cq.uc_ovf ? VDPU_RXF_CTRL_ALLUNI : 0));
}

static void table_clear(void)
{
    for (unsigned i = 0; i < VDPU_RXF_ENTRIES; i++) dev_wr(VDPU_CSR_RXF_MAC_HI0 + 8 * i, 0);
}

static void set_mac(const uint8_t m[6])
{
    dev_wr(VDPU_CSR_NET_MAC_LO, le32(m));
    dev_wr(VDPU_CSR_NET_MAC_HI, le16(m + 4));
}

void ctrlq_ring_reset(void)
{
    cq.last_avail = cq.used_idx = 0;
    cq.avail_wrap = cq.used_wrap = true;
}

/* The MAC the device cfg shows now. */
static bool mac_is(const uint8_t m[6])
{
    return dev_rd(VDPU_CSR_NET_MAC_LO) == le32(m) && (dev_rd(VDPU_CSR_NET_MAC_HI) & 0xFFFFu) == le16(m + 4);
}

/* Back to the boot MAC (MAC_ADDR_SET lasts until the reset). A changed field is a configuration
 * change even across a reset ("MUST present a changed config_generation after the driver has read a
 * device-specific configuration value which has changed since any part of the device-specific
 * configuration was last read": the driver read the old MAC before it reset the device), so a
 * restore that changes the MAC bumps the generation. At boot no driver has read anything yet. */
static void restore_boot_mac(bool bump)
{
    if (mac_is(cq.boot_mac)) return;
    if (!bump) {
        set_mac(cq.boot_mac);
        return;
    }
    config_change_begin();
    set_mac(cq.boot_mac);
    (void)config_change_end();
}

static void device_reset_state(bool boot)
{
    ctrlq_ring_reset();
    cq.broken = false;
    /* reset state: unicast to our MAC, broadcast and every multicast pass (docs/queue-engine.md) */
    cq.promisc = cq.uc_ovf = cq.mc_ovf = false;
    cq.allmulti = true;
    rxf_commit();
    table_clear();
    restore_boot_mac(!boot);
    cq.pairs = 1;
}

void ctrlq_device_reset(void) { device_reset_state(false); }

void ctrlq_boot(const uint8_t mac[6])
{
    for (unsigned i = 0; i < 6; i++) cq.boot_mac[i] = mac[i];
    device_reset_state(true);
}

/* ---- migration ------------------------------------------------------------------------------- */

void ctrlq_state_get(struct vdps_vq_runtime *rt, struct vdps_rx_filter *f)
{
    rt->avail_pos = cq.last_avail | (uint32_t)cq.avail_wrap << VDPU_VQSTATE_WRAP_BIT;
    rt->used_pos = cq.used_idx | (uint32_t)cq.used_wrap << VDPU_VQSTATE_WRAP_BIT;
    rt->flags = cq.broken ? VDPS_VQ_CTRLQ_BROKEN : 0;
    f->flags = (cq.promisc ? VDPS_RXF_PROMISC : 0) | (cq.allmulti ? VDPS_RXF_ALLMULTI : 0) |
               (cq.uc_ovf ? VDPS_RXF_UC_OVF : 0) | (cq.mc_ovf ? VDPS_RXF_MC_OVF : 0);
    f->pairs = cq.pairs;
    for (unsigned i = 0; i < VDPS_RXF_ENTRIES; i++) {
        f->mac_lo[i] = dev_rd(VDPU_CSR_RXF_MAC_LO0 + 8 * i);
        f->mac_hi[i] = dev_rd(VDPU_CSR_RXF_MAC_HI0 + 8 * i);
    }
}

void ctrlq_state_set(const struct vdps_vq_runtime *rt, const struct vdps_rx_filter *f)
{
    cq.last_avail = (uint16_t)rt->avail_pos;
    cq.avail_wrap = (rt->avail_pos >> VDPU_VQSTATE_WRAP_BIT) & 1;
    cq.used_idx = (uint16_t)rt->used_pos;
    cq.used_wrap = (rt->used_pos >> VDPU_VQSTATE_WRAP_BIT) & 1;
    cq.broken = rt->flags & VDPS_VQ_CTRLQ_BROKEN;
    cq.promisc = f->flags & VDPS_RXF_PROMISC;
    cq.allmulti = f->flags & VDPS_RXF_ALLMULTI;
    cq.uc_ovf = f->flags & VDPS_RXF_UC_OVF;
    cq.mc_ovf = f->flags & VDPS_RXF_MC_OVF;
    rxf_commit();
    for (unsigned i = 0; i < VDPS_RXF_ENTRIES; i++) {
        dev_wr(VDPU_CSR_RXF_MAC_LO0 + 8 * i, f->mac_lo[i]);
        dev_wr(VDPU_CSR_RXF_MAC_HI0 + 8 * i, f->mac_hi[i]);
    }
    cq.pairs = (uint16_t)f->pairs;
    dev_wr(VDPU_CSR_MQ_PAIRS, cq.pairs);
}

/* ---- chains ------------------------------------------------------------------------------------ */

/* split: {addr, len, flags, next}; packed: {addr, len, id, flags} (id kept in next) */
static void parse_desc(struct desc *d, bool packed)
{
    d->addr = (uint64_t)le32(buf + 4) << 32 | le32(buf);
    d->len = le32(buf + 8);
    d->flags = le16(buf + (packed ? 14 : 12));
    d->next = le16(buf + (packed ? 12 : 14));
}

static int add_desc(struct cmd *c, const struct desc *d)
{
    if (d->len == 0) return CQ_ZERO_LEN;
    if (d->flags & D_WRITE) {
        if (!c->have_ack) c->ack_addr = d->addr; /* the ack is the first device-writable byte */
        c->have_ack = true;
        return CQ_OK;
    }
    if (c->have_ack) return CQ_ORDER;
    if (c->nseg == MAX_SEGS) return CQ_SEGS;
    c->seg_addr[c->nseg] = d->addr;
    c->seg_len[c->nseg++] = d->len;
    c->rd_total += d->len;
    return CQ_OK;
}

/* An indirect table: split entries chain through `next` inside the table, packed ones are in order. */
static int table_chain(const struct qview *v, const struct desc *t, struct cmd *c)
{
    if (!v->indirect || (t->flags & D_NEXT) || t->len == 0 || t->len % 16) return CQ_INDIRECT;
    uint32_t n = t->len / 16, i = 0;
    for (uint32_t k = 0;; k++) {
        if (i >= n) return CQ_ID;
        if (k >= n) return CQ_LOOP;
        int r = host_rd(t->addr + 16ull * i, 16);
        if (r) return r;
        struct desc d;
        parse_desc(&d, v->packed);
        if (d.flags & D_INDIRECT) return CQ_INDIRECT;
        r = add_desc(c, &d);
        if (r) return r;
        if (v->packed) {
            if (++i == n) return CQ_OK;
        } else {
            if (!(d.flags & D_NEXT)) return CQ_OK;
            i = d.next;
        }
    }
}

static int split_chain(const struct qview *v, uint16_t head, struct cmd *c)
{
    uint16_t id = head;
    for (unsigned n = 1;; n++) {
        if (id >= v->size) return CQ_ID;
        if (n > v->size) return CQ_LOOP;
        int r = host_rd(v->desc + 16ull * id, 16);
        if (r) return r;
        struct desc d;
        parse_desc(&d, v->packed);
        if (d.flags & D_INDIRECT) return n == 1 ? table_chain(v, &d, c) : CQ_INDIRECT;
        r = add_desc(c, &d);
        if (r) return r;
        if (!(d.flags & D_NEXT)) return CQ_OK;
        id = d.next;
    }
}

/* Packed: from the next available slot; *empty when there is no buffer. *id, *ndesc: buffer id, slots. */
static int packed_chain(const struct qview *v, struct cmd *c, bool *empty, uint16_t *id, uint16_t *ndesc)
{
    uint16_t slot = cq.last_avail;
    bool wrap = cq.avail_wrap;
    *empty = false;
    for (unsigned n = 0;; n++) {
        int r = host_rd(v->desc + 16ull * slot, 16);
        if (r) return r;
        struct desc d;
        parse_desc(&d, v->packed);
        bool avail = ((d.flags & D_AVAIL) != 0) == wrap && ((d.flags & D_USED) != 0) != wrap;
        if (!avail) {
            if (n == 0) *empty = true;
            return n == 0 ? CQ_OK : CQ_CHAIN;
        }
        if (n + 1 > v->size) return CQ_LOOP;
        if (++slot == v->size) {
            slot = 0;
            wrap = !wrap;
        }
        *id = d.next;
        *ndesc = (uint16_t)(n + 1);
        r = (d.flags & D_INDIRECT) ? (n == 0 ? table_chain(v, &d, c) : CQ_INDIRECT) : add_desc(c, &d);
        if (r) return r;
        if ((d.flags & D_INDIRECT) || !(d.flags & D_NEXT)) {
            cq.last_avail = slot;
            cq.avail_wrap = wrap;
            return CQ_OK;
        }
    }
}

/* ---- commands ---------------------------------------------------------------------------------- */

/* Bytes [off, off+n) of the command's readable part into buf (n <= VDPU_FWDMA_BYTES, in bounds). */
static int cmd_read(const struct cmd *c, uint32_t off, uint32_t n, uint8_t *dst)
{
    uint32_t done = 0;
    for (unsigned s = 0; s < c->nseg && done < n; s++) {
        if (off >= c->seg_len[s]) {
            off -= c->seg_len[s];
            continue;
        }
        uint32_t k = c->seg_len[s] - off < n - done ? c->seg_len[s] - off : n - done;
        int r = host_rd(c->seg_addr[s] + off, k);
        if (r) return r;
        for (uint32_t i = 0; i < k; i++) dst[done + i] = buf[i];
        done += k;
        off = 0;
    }
    return CQ_OK;
}

/* MAC_TABLE_SET: le32 n, n unicast MACs, le32 m, m multicast MACs. A list longer than the table
 * switches that kind to "accept all" (the spec allows it); the layout must match the length. */
static int mac_table_set(const struct cmd *c, uint32_t dlen, uint8_t *ack)
{
    uint8_t b[6];
    uint32_t n_uc, n_mc;
    *ack = ACK_ERR;
    if (dlen < 8) return CQ_OK;
    int r = cmd_read(c, 2, 4, b);
    if (r) return r;
    n_uc = le32(b);
    if (n_uc > (dlen - 8) / 6) return CQ_OK;
    uint32_t mc_off = 2 + 4 + 6 * n_uc;
    if ((r = cmd_read(c, mc_off, 4, b))) return r;
    n_mc = le32(b);
    if ((uint64_t)8 + 6ull * n_uc + 6ull * n_mc != dlen) return CQ_OK;
    table_clear();
    unsigned used = 0;
    cq.uc_ovf = n_uc > VDPU_RXF_ENTRIES;
    cq.mc_ovf = n_mc > VDPU_RXF_ENTRIES - (cq.uc_ovf ? 0 : n_uc);
    for (uint32_t k = 0; k < n_uc + n_mc; k++) {
        bool multi = k >= n_uc;
        if (multi ? cq.mc_ovf : cq.uc_ovf) continue;
        if ((r = cmd_read(c, multi ? mc_off + 4 + 6 * (k - n_uc) : 6 + 6 * k, 6, b))) return r;
        dev_wr(VDPU_CSR_RXF_MAC_LO0 + 8 * used, le32(b));
        dev_wr(VDPU_CSR_RXF_MAC_HI0 + 8 * used, le16(b + 4) | VDPU_RXF_MAC_HI0_VALID);
        used++;
    }
    rxf_commit();
    *ack = ACK_OK;
    return CQ_OK;
}

/* Execute one command (effects before the buffer is used, as the spec requires); *ack its result. */
static int execute(const struct cmd *c, uint8_t *ack, uint8_t *cls, uint8_t *op)
{
    uint8_t b[6];
    *ack = ACK_ERR;
    *cls = *op = 0xFF;
    if (c->rd_total < 2) return CQ_OK; /* no header: nothing to execute */
    int r = cmd_read(c, 0, 2, b);
    if (r) return r;
    *cls = b[0];
    *op = b[1];
    uint32_t dlen = c->rd_total - 2;
    if (*cls == CLASS_RX && (*op == RX_PROMISC || *op == RX_ALLMULTI)) {
        if (!feat_has(fw.neg, F_NET_CTRL_RX) || dlen != 1) return CQ_OK;
        if ((r = cmd_read(c, 2, 1, b))) return r;
        if (b[0] > 1) return CQ_OK;
        if (*op == RX_PROMISC) cq.promisc = b[0];
        else cq.allmulti = b[0];
        rxf_commit();
        *ack = ACK_OK;
    } else if (*cls == CLASS_MAC && *op == MAC_ADDR_SET) {
        if (!feat_has(fw.neg, F_NET_CTRL_MAC_ADDR) || dlen != 6) return CQ_OK;
        if ((r = cmd_read(c, 2, 6, b))) return r;
        /* config space mac and the filter's own address, before the buffer is used; the two MAC
         * halves and the generation bump are one configuration change */
        config_change_begin();
        set_mac(b);
        (void)config_change_end();
        *ack = ACK_OK;
    } else if (*cls == CLASS_MAC && *op == MAC_TABLE_SET) {
        if (!feat_has(fw.neg, F_NET_CTRL_RX)) return CQ_OK;
        return mac_table_set(c, dlen, ack);
    } else if (*cls == CLASS_MQ && *op == MQ_VQ_PAIRS_SET) {
        if (!feat_has(fw.neg, F_NET_MQ) || dlen != 2) return CQ_OK;
        if ((r = cmd_read(c, 2, 2, b))) return r;
        uint16_t n = le16(b);
        if (n < 1 || n > fw.max_qp) return CQ_OK;
        cq.pairs = n;
        /* the steering hardware uses the new count (and forgets its flows) before the buffer is used */
        dev_wr(VDPU_CSR_MQ_PAIRS, n);
        *ack = ACK_OK;
    }
    return CQ_OK; /* unknown class or command: ERR */
}

/* ---- used ring and interrupt ------------------------------------------------------------------- */

static bool need_event(uint32_t event, uint32_t new_idx, uint32_t old, uint32_t mod)
{
    return (new_idx - event - 1 + mod) % mod < (new_idx - old + mod) % mod;
}

/* position of (slot, wrap) on a ring of n slots counted modulo 2n (wrap starts at 1) */
static uint32_t lin(uint32_t slot, bool wrap, uint32_t n) { return slot + (wrap ? 0 : n); }

static int split_used(const struct qview *v, uint16_t id, uint16_t avail_flags, bool *irq)
{
    uint8_t e[8] = {(uint8_t)id, (uint8_t)(id >> 8), 0, 0, 1, 0, 0, 0}; /* {id, len = 1 (the ack)} */
    uint16_t old = cq.used_idx, nu = (uint16_t)(old + 1);
    int r = host_wr(v->device + 4 + 8ull * (old % v->size), e, 8);
    if (!r) r = host_wr16(v->device + 2, nu);
    if (r) return r;
    cq.used_idx = nu;
    if (v->evidx) {
        if ((r = host_rd(v->driver + 4 + 2ull * v->size, 2))) return r;
        *irq = need_event(le16(buf), nu, old, 0x10000);
    } else {
        /* flags read before the command ran may be stale: when they suppress, read them again after the
         * used idx write ("if flags is 0, the device MUST send a notification"); as the queue engine */
        if ((avail_flags & AVAIL_NO_INTERRUPT) && (r = host_rd(v->driver, 2))) return r;
        if (avail_flags & AVAIL_NO_INTERRUPT) avail_flags = le16(buf);
        *irq = !(avail_flags & AVAIL_NO_INTERRUPT);
    }
    return CQ_OK;
}

static int packed_used(const struct qview *v, uint16_t id, uint16_t ndesc, bool *irq)
{
    uint16_t f = (cq.used_wrap ? D_AVAIL | D_USED : 0) | D_WRITE;
    uint8_t e[8] = {1, 0, 0, 0, (uint8_t)id, (uint8_t)(id >> 8), (uint8_t)f, (uint8_t)(f >> 8)};
    uint32_t old = lin(cq.used_idx, cq.used_wrap, v->size);
    int r = host_wr(v->desc + 16ull * cq.used_idx + 8, e, 8);
    if (r) return r;
    uint32_t u = cq.used_idx + ndesc;
    if (u >= v->size) {
        u -= v->size;
        cq.used_wrap = !cq.used_wrap;
    }
    cq.used_idx = (uint16_t)u;
    if ((r = host_rd(v->driver, 4))) return r;
    uint16_t off_wrap = le16(buf), flags = le16(buf + 2);
    if (flags == EVF_DISABLE) *irq = false;
    else if (flags == EVF_DESC && v->evidx)
        *irq = need_event(lin(off_wrap & 0x7FFFu, off_wrap >> 15, v->size), lin(cq.used_idx, cq.used_wrap, v->size),
                          old, 2u * v->size);
    else *irq = true;
    return CQ_OK;
}

/* ---- the doorbell ------------------------------------------------------------------------------ */

static uint64_t rd64(uint32_t lo, uint32_t hi) { return (uint64_t)dev_rd(hi) << 32 | dev_rd(lo); }

/* One command: 1 done, 0 queue empty, <0 -(cq_err) malformed. */
static int serve_one(const struct qview *v)
{
    struct cmd c = {0};
    uint16_t id = 0, ndesc = 0, avail_flags = 0;
    bool empty = false;
    int r;
    if (v->packed) {
        r = packed_chain(v, &c, &empty, &id, &ndesc);
    } else {
        if ((r = host_rd(v->driver, 4))) return -r;
        avail_flags = le16(buf);
        uint16_t idx = le16(buf + 2);
        if (idx == cq.last_avail) return 0;
        if ((uint16_t)(idx - cq.last_avail) > v->size) return -CQ_IDX;
        if ((r = host_rd(v->driver + 4 + 2ull * (cq.last_avail % v->size), 2))) return -r;
        id = le16(buf);
        r = split_chain(v, id, &c);
        if (!r) cq.last_avail++;
    }
    if (r) return -r;
    if (empty) return 0;
    if (!c.have_ack) return -CQ_NO_ACK;
    uint8_t ack, cls, op;
    bool irq = false;
    if ((r = execute(&c, &ack, &cls, &op))) return -r;
    if ((r = host_wr(c.ack_addr, &ack, 1))) return -r;
    r = v->packed ? packed_used(v, id, ndesc, &irq) : split_used(v, id, avail_flags, &irq);
    if (r) return -r;
    if (irq) dev_wr(VDPU_CSR_HOST_IRQ, v->q);
    if (fw.verbose)
        printf("control queue: class %u command %u -> %s%s\n", cls, op, ack == ACK_OK ? "OK" : "ERR",
               irq ? ", interrupt" : "");
    return 1;
}

void ctrlq_notify(unsigned q)
{
    if (!(fw.status & ST_DRIVER_OK) || (fw.status & ST_NEEDS_RESET) || cq.broken) {
        printf("control queue %u doorbell ignored: %s\n", q,
               cq.broken ? "malformed chain seen, waiting for a reset" : "device not live");
        return;
    }
    dev_qsel(q);
    struct qview v = {
        .q = q,
        .size = (uint16_t)dev_rd(VDPU_CSR_Q_SIZE),
        .desc = rd64(VDPU_CSR_Q_DESC_LO, VDPU_CSR_Q_DESC_HI),
        .driver = rd64(VDPU_CSR_Q_AVAIL_LO, VDPU_CSR_Q_AVAIL_HI),
        .device = rd64(VDPU_CSR_Q_USED_LO, VDPU_CSR_Q_USED_HI),
        .packed = policy_ring_type(true, fw.neg) == RING_PACKED,
        .evidx = feat_has(fw.neg, F_EVENT_IDX),
        .indirect = feat_has(fw.neg, F_INDIRECT_DESC),
    };
    if (!(dev_rd(VDPU_CSR_Q_ENABLE) & 1) || v.size == 0) {
        printf("control queue %u doorbell ignored: queue not enabled\n", q);
        return;
    }
    /* at most one ring's worth per doorbell: a driver that keeps posting cannot starve the events */
    for (unsigned n = 0; n < v.size; n++) {
        int r = serve_one(&v);
        if (r == 0) return;
        if (r < 0) {
            cq.broken = true;
            printf("control queue %u: %s", q, cq_err_name[-r]);
            if (-r == CQ_DMA) printf(" (FWDMA_STATUS 0x%08" PRIx32 ")", cq.dma_status);
            printf("\n");
            fw_needs_reset(VDPU_FWERR_CTRLQ);
            return;
        }
    }
}
