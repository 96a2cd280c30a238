/* randacc.c - random host accesses biased to real fields, plus random firmware CSR traffic. */
#include <string.h>

#include "host_link.h"
#include "randacc.h"
#include "rng.h"

#define MAX_OUTSTANDING 6
/* Random firmware traffic may switch the event service off (IRQ_ENABLE); a short
 * held-read timeout keeps such stretches from dominating the run. */
#define RANDACC_HOLD_TIMEOUT 2000

static const uint16_t cfg_hot[] = {0x00, 0x02, 0x04, 0x06, 0x08, 0x0c, 0x10, 0x14, 0x18, 0x2c, 0x34, 0x3c,
                                   0x40, 0x42, 0x44, 0x48, 0x4c, 0x58, 0x5c, 0x6c, 0x70, 0x80, 0x90, 0x94,
                                   0x98, 0x9c, 0xa0, 0xa4, 0xfc, 0x100};

static unsigned pick_size(rng_t *r)
{
    static const unsigned sizes[] = {1, 2, 4, 4, 8, 3, 0, 12}; /* the size field is 4 bits */
    return rng_pct(r, 85) ? 0 : sizes[rng_below(r, 8)];
}

/* A BAR offset biased to field starts; *fsize gets the field's natural size. */
static uint32_t pick_bar_off(rng_t *r, unsigned *fsize)
{
    unsigned k = rng_below(r, 100);
    if (k < 40) {
        const struct vdpu_field_desc *f = &vdpu_common_fields[rng_below(r, VDPU_N_COMMON_FIELDS)];
        *fsize = f->size;
        return VDPU_BAR_COMMON_OFF + f->off;
    }
    if (k < 50) {
        const struct vdpu_field_desc *f = &vdpu_netcfg_fields[rng_below(r, VDPU_N_NETCFG_FIELDS)];
        *fsize = f->size;
        return VDPU_BAR_DEVCFG_OFF + f->off;
    }
    if (k < 60) {
        *fsize = rng_pct(r, 70) ? 2 : 4;
        return VDPU_BAR_NOTIFY_OFF + 4 * rng_below(r, VDPU_NUM_QUEUES + 1);
    }
    if (k < 66) {
        *fsize = 1;
        return VDPU_BAR_ISR_OFF;
    }
    if (k < 80) {
        *fsize = rng_pct(r, 80) ? 4 : 8;
        return VDPU_BAR_MSIX_TBL_OFF + 4 * rng_below(r, VDPU_BAR_MSIX_TBL_LEN / 4 + 1);
    }
    if (k < 85) {
        *fsize = rng_pct(r, 50) ? 4 : 8;
        return VDPU_BAR_MSIX_PBA_OFF + 4 * rng_below(r, 3);
    }
    *fsize = 4;
    return rng_below(r, VDPU_BAR0_SIZE + 0x100);
}

/* Write data that keeps the run meaningful: small queue indices, MSI-X addresses the host owns. */
static uint64_t pick_bar_data(rng_t *r, uint32_t off, unsigned size)
{
    uint64_t d = rng_next(r);
    if (off == VDPU_BAR_COMMON_OFF + VDPU_COMMON_Q_SELECT || off == VDPU_BAR_COMMON_OFF + VDPU_COMMON_GFSELECT ||
        off == VDPU_BAR_COMMON_OFF + VDPU_COMMON_DFSELECT)
        return rng_below(r, 7);
    if (off == VDPU_BAR_COMMON_OFF + VDPU_COMMON_MSIX || off == VDPU_BAR_COMMON_OFF + VDPU_COMMON_Q_MSIX)
        return rng_pct(r, 80) ? rng_below(r, VDPU_NUM_VECTORS) : 0xffff;
    if (off >= VDPU_BAR_MSIX_TBL_OFF && off < VDPU_BAR_MSIX_TBL_OFF + VDPU_BAR_MSIX_TBL_LEN) {
        uint64_t addr = rng_pct(r, 80) ? VDPU_MSI_BASE : 0x1000 + 4 * rng_below(r, 64);
        uint64_t data = rng_below(r, 2048), ctrl = rng_below(r, 4);
        switch ((off % 16) / 4) {
        case 0: return size == 8 ? addr : addr | (rng_next(r) & 3);
        case 1: return size == 8 ? (data << 32) : 0;
        case 2: return size == 8 ? data | (ctrl << 32) : data;
        default: return ctrl;
        }
    }
    return size == 8 ? d : d & 0xffffffffu;
}

static void fw_random_op(vdpu_session_t *s, rng_t *r)
{
    fwrole_t *f = &s->fw;
    switch (rng_below(r, 10)) {
    case 0: fwrole_push(f, true, VDPU_CSR_HOST_IRQ, rng_pct(r, 30) ? 0xffff : rng_below(r, VDPU_NUM_QUEUES + 1)); break;
    case 1: fwrole_push(f, true, VDPU_CSR_CONFIG_GEN, rng_below(r, 256)); break;
    case 2: fwrole_push(f, true, VDPU_CSR_FW_QSEL, rng_below(r, VDPU_NUM_QUEUES + 1)); break;
    case 3: fwrole_push(f, true, VDPU_CSR_Q_ENABLE, rng_below(r, 2)); break;
    case 4: fwrole_push(f, true, VDPU_CSR_HOLD_TIMEOUT, rng_pct(r, 50) ? rng_below(r, 64) : RANDACC_HOLD_TIMEOUT); break;
    case 5: fwrole_push(f, true, VDPU_CSR_NET_STATUS, rng_below(r, 4)); break;
    case 6: fwrole_push(f, true, VDPU_CSR_DEV_FEATURE0 + 4 * rng_below(r, 4), (uint32_t)rng_next(r)); break;
    case 7: { /* any CSR, partial (or no) byte strobes; the held-read timeout stays bounded (case 4) so a
               * stopped event service cannot outlast the host's patience */
        uint16_t a = (uint16_t)(rng_below(r, 0x100) & ~3u);
        if (a == VDPU_CSR_HOLD_TIMEOUT) a = VDPU_CSR_SCRATCH;
        fwrole_push_strb(f, a, (uint32_t)rng_next(r) & 0xff00ff, (uint8_t)(rng_pct(r, 50) ? 0xf : rng_below(r, 16)));
        break;
    }
    case 8: fwrole_push(f, rng_pct(r, 50), (uint16_t)(VDPU_CSR_CONSOLE + 4 * rng_below(r, 5)), rng_below(r, 4)); break;
    default: fwrole_push(f, false, (uint16_t)(rng_below(r, 0x110) & (rng_pct(r, 95) ? ~3u : ~0u)), 0); break;
    }
}

static int outstanding[MAX_OUTSTANDING], n_out;

static int wait_oldest(vdpu_session_t *s, struct randacc_stats *st)
{
    int st_ = host_link_wait(&s->bus, outstanding[0], NULL);
    if (st_ < 0) return -1;
    if (st_ == VDPU_CPL_UR) st->ur++;
    memmove(outstanding, outstanding + 1, sizeof(int) * (unsigned)(--n_out));
    return 0;
}

int randacc_run(vdpu_session_t *s, uint64_t seed, uint64_t n, struct randacc_stats *st)
{
    rng_t r = {seed ^ 0x5eedull};
    const uint64_t bar = s->pci.bar_base[0];
    memset(st, 0, sizeof *st);
    n_out = 0;
    fwrole_push(&s->fw, true, VDPU_CSR_HOLD_TIMEOUT, RANDACC_HOLD_TIMEOUT);
    /* the host sometimes refuses completions and DMA requests: the device must hold them */
    s->bus.stall_pct = 15;
    s->bus.stall_rng.s = seed ^ 0xbacc;
    for (uint64_t i = 0; i < n && !s->bus.stopped; i++) {
        if (rng_pct(&r, 10) && s->fw.n < FWROLE_MAX_OPS - 8) {
            fw_random_op(s, &r);
            st->fw_ops++;
        }
        if (rng_pct(&r, 1) && !s->bus.dmacpl_pending) { /* a stray completion: the device must ignore it */
            s->bus.dmacpl_pending = true;
            memset(&s->bus.dmacpl, 0, sizeof s->bus.dmacpl);
            s->bus.dmacpl.tag = (uint8_t)rng_next(&r);
            s->bus.dmacpl.len = (uint16_t)rng_below(&r, 33);
            s->bus.dmacpl.last = rng_pct(&r, 50);
            s->bus.dmacpl.data[0] = (uint8_t)rng_next(&r);
        }
        if (rng_pct(&r, 1)) s->bus.link_up = !s->bus.link_up; /* link flaps */
        s->bus.dp_err = rng_pct(&r, 1) && rng_pct(&r, 20);    /* rare internal error pulses */
        bool write = rng_pct(&r, 50);
        uint8_t type;
        unsigned size;
        uint64_t addr, data;
        if (rng_pct(&r, 30)) {
            unsigned k = rng_below(&r, 100);
            addr = k < 75 ? cfg_hot[rng_below(&r, sizeof cfg_hot / sizeof cfg_hot[0])] + (rng_pct(&r, 10) ? rng_below(&r, 4) : 0)
                 : k < 95 ? rng_below(&r, 0x1000) : 0x1000 + rng_below(&r, 0x1000);
            size = pick_size(&r);
            if (!size) size = 4 >> rng_below(&r, 3);
            if (!rng_pct(&r, 10)) addr &= ~(uint64_t)(size > 4 ? 3 : size - 1);
            data = rng_next(&r) & 0xffffffffu;
            if (write && addr >= 0x10 && addr < 0x18) write = false;         /* keep BAR0 where it is */
            if (write && addr >= 0x04 && addr < 0x06 && rng_pct(&r, 80)) data |= 0x6; /* mostly keep decode on */
            if (write && addr >= 0x98 && addr < 0x9c) { /* window offset: never into the MSI-X table, whose
                                                            * random contents would aim messages anywhere */
                addr = 0x98;
                size = 4;
                data = rng_pct(&r, 85) ? rng_below(&r, 0x4000) : VDPU_BAR_MSIX_PBA_OFF + rng_below(&r, 0x10);
            }
            if (write && addr >= 0x9c && addr < 0xa0) data = 1u << rng_below(&r, 4);
            type = write ? VDPU_HL_CFG_WR : VDPU_HL_CFG_RD;
            st->cfg++;
        } else {
            unsigned fsize;
            uint32_t off = pick_bar_off(&r, &fsize);
            size = pick_size(&r);
            if (!size) size = fsize;
            addr = rng_pct(&r, 3) ? bar + VDPU_BAR0_SIZE + rng_below(&r, 0x100) : bar + off;
            data = pick_bar_data(&r, off, size);
            type = write ? VDPU_HL_MEM_WR : VDPU_HL_MEM_RD;
            st->mem++;
        }
        st->accesses++;
        if (write) st->writes++;
        else st->reads++;
        if (n_out == MAX_OUTSTANDING && wait_oldest(s, st)) return -1;
        while (s->bus.hq_n == BUS_HQ_DEPTH && !s->bus.stopped) vdpu_bus_step(&s->bus);
        int tag = host_link_submit(&s->bus, type, size, addr, data);
        if (tag < 0) {
            vdpu_bus_stop(&s->bus, "randacc: no free tag");
            return -1;
        }
        if (type != VDPU_HL_MEM_WR) outstanding[n_out++] = tag;
        vdpu_bus_run_cycles(&s->bus, rng_below(&r, 3));
    }
    while (n_out)
        if (wait_oldest(s, st)) return -1;
    if (!host_link_drain(&s->bus)) return -1;
    while (!fwrole_idle(&s->fw) && !s->bus.stopped) vdpu_bus_step(&s->bus);
    s->bus.stall_pct = 0;
    return s->bus.stopped ? -1 : 0;
}
