/* mig.c - the hypervisor's side of the MIG region: stop and run commands and their outcome. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "host_link.h"
#include "mig.h"
#include "vdpu_state.h"
#include "virtio_spec.h"

int mig_command(vdpu_session_t *s, uint32_t ctrl, uint32_t *status, char *err, size_t errlen)
{
    uint64_t region = s->pci.mig, v = 0;
    if (!region) {
        snprintf(err, errlen, "no MIG region (its vendor data capability is absent)");
        return -1;
    }
    if (!host_mem_wr(&s->bus, region + VDPU_MIG_CTRL, 4, ctrl) ||
        host_mem_rd(&s->bus, region + VDPU_MIG_STATUS, 4, &v) != VDPU_CPL_SC) {
        snprintf(err, errlen, "MIG access failed on the host link%s%s", s->bus.stopped ? ": " : "",
                 s->bus.stopped ? s->bus.stop_reason : "");
        return -1;
    }
    *status = (uint32_t)v;
    return 0;
}

const char *mig_status_name(unsigned code, char *buf, size_t n)
{
    switch (code) {
    case MIG_ST_OK: return "OK";
    case MIG_ST_EBUSY: return "EBUSY";
    case MIG_ST_EINVAL: return "EINVAL";
    default: snprintf(buf, n, "status %u", code); return buf;
    }
}

static int mig_mode(vdpu_session_t *s, bool stop, char *err, size_t errlen)
{
    uint32_t st;
    if (mig_command(s, stop ? VDPU_MIG_CTRL_STOP : 0, &st, err, errlen)) return -1;
    unsigned code = (st & VDPU_MIG_STATUS_CODE) >> VDPU_MIG_STATUS_CODE_LSB;
    bool stopped = st & VDPU_MIG_STATUS_STOPPED;
    if (!(st & VDPU_MIG_STATUS_ERROR) && stopped == stop) return 0;
    char nb[24];
    snprintf(err, errlen, "%s refused: %s%s (MIG STATUS 0x%08x, %s)", stop ? "stop" : "run",
             mig_status_name(code, nb, sizeof nb), code == MIG_ST_EBUSY ? ": data path not quiesced" : "", st,
             stopped ? "stopped" : "running");
    return -1;
}

int mig_stop(vdpu_session_t *s, char *err, size_t errlen) { return mig_mode(s, true, err, errlen); }
int mig_run(vdpu_session_t *s, char *err, size_t errlen) { return mig_mode(s, false, err, errlen); }

/* ---- the state ---------------------------------------------------------------------------------- */

static int wr32(vdpu_session_t *s, uint32_t reg, uint32_t v, char *err, size_t errlen)
{
    if (host_mem_wr(&s->bus, s->pci.mig + reg, 4, v)) return 0;
    snprintf(err, errlen, "MIG access failed on the host link");
    return -1;
}

static int rd32(vdpu_session_t *s, uint32_t reg, uint32_t *v, char *err, size_t errlen)
{
    uint64_t x = 0;
    if (host_mem_rd(&s->bus, s->pci.mig + reg, 4, &x) == VDPU_CPL_SC) {
        *v = (uint32_t)x;
        return 0;
    }
    snprintf(err, errlen, "MIG access failed on the host link");
    return -1;
}

static int state_cmd(vdpu_session_t *s, uint32_t cmd, const char *what, char *err, size_t errlen)
{
    uint32_t st;
    if (mig_command(s, VDPU_MIG_CTRL_STOP | cmd, &st, err, errlen)) return -1;
    unsigned code = (st & VDPU_MIG_STATUS_CODE) >> VDPU_MIG_STATUS_CODE_LSB;
    if (!(st & VDPU_MIG_STATUS_ERROR)) return 0;
    char nb[24];
    snprintf(err, errlen, "%s refused: %s (MIG STATUS 0x%08x)", what, mig_status_name(code, nb, sizeof nb), st);
    return -1;
}

int mig_state_get(vdpu_session_t *s, uint32_t *buf, uint32_t max, uint32_t *len, char *err, size_t errlen)
{
    uint32_t n;
    if (state_cmd(s, VDPU_MIG_CTRL_GET, "STATE_GET", err, errlen) || rd32(s, VDPU_MIG_DATA, &n, err, errlen))
        return -1;
    if (n < sizeof(struct vdps_hdr) || n > max || n % 4) {
        snprintf(err, errlen, "STATE_GET: the device reports %u bytes (buffer %u)", n, max);
        return -1;
    }
    for (uint32_t i = 0; i < n / 4; i++)
        if (rd32(s, VDPU_MIG_WIN + 4 * i, &buf[i], err, errlen)) return -1;
    *len = n;
    return mig_state_check(buf, n, err, errlen);
}

int mig_state_set(vdpu_session_t *s, const uint32_t *buf, uint32_t len, char *err, size_t errlen)
{
    if (len % 4 || len > VDPU_MIG_STATE_BYTES) {
        snprintf(err, errlen, "state of %u bytes: not whole dwords within the device's %u", len, VDPU_MIG_STATE_BYTES);
        return -1;
    }
    for (uint32_t i = 0; i < len / 4; i++)
        if (wr32(s, VDPU_MIG_WIN + 4 * i, buf[i], err, errlen)) return -1;
    return state_cmd(s, VDPU_MIG_CTRL_SET, "STATE_SET", err, errlen);
}

int mig_state_check(const uint32_t *buf, uint32_t len, char *err, size_t errlen)
{
    const uint8_t *b = (const uint8_t *)buf;
    struct vdps_hdr h;
    if (len < sizeof h) {
        snprintf(err, errlen, "state of %u bytes: shorter than its header", len);
        return -1;
    }
    memcpy(&h, b, sizeof h);
    const char *why = h.magic != VDPS_MAGIC   ? "not a 'VDPS' state"
                      : h.major != VDPS_MAJOR ? "a state of another format version"
                      : h.len != len          ? "its length field disagrees with its size"
                      : h.len % 4             ? "not whole dwords"
                      : crc32(0, b + sizeof h, h.len - (uint32_t)sizeof h) != h.crc ? "CRC mismatch (corrupt)"
                                                                                    : NULL;
    if (why) {
        snprintf(err, errlen, "state: %s", why);
        return -1;
    }
    uint32_t at = sizeof h;
    for (uint32_t i = 0; i < h.parts; i++) {
        struct vdps_part_hdr p;
        if (len - at < sizeof p) break;
        memcpy(&p, b + at, sizeof p);
        uint32_t padded = (p.len + 3) & ~3u;
        if (p.len > len || padded > len - at - sizeof p) {
            snprintf(err, errlen, "state: part %u (type 0x%x) runs past the end", i, p.type);
            return -1;
        }
        at += (uint32_t)sizeof p + padded;
    }
    if (at != len) {
        snprintf(err, errlen, "state: its parts do not fill it exactly");
        return -1;
    }
    return 0;
}

const void *mig_state_part(const uint32_t *buf, uint16_t type, uint32_t sel, uint32_t *len)
{
    const uint8_t *b = (const uint8_t *)buf;
    struct vdps_hdr h;
    memcpy(&h, b, sizeof h);
    uint32_t at = sizeof h;
    for (uint32_t i = 0; i < h.parts; i++) {
        struct vdps_part_hdr p;
        memcpy(&p, b + at, sizeof p);
        at += (uint32_t)sizeof p;
        if (p.type == type && p.sel_lo == sel) {
            if (len) *len = p.len;
            return b + at;
        }
        at += (p.len + 3) & ~3u;
    }
    return NULL;
}

/* ---- pre-copy ----------------------------------------------------------------------------------- */

#define PC_SHIFT 12

static int copy_page(vdpu_session_t *s, struct mig_precopy *pc, uint32_t i, char *err, size_t errlen)
{
    uint64_t off = (uint64_t)i << PC_SHIFT;
    if (host_mem_read(&s->mem, pc->ram_base + off, pc->image + off, 1u << PC_SHIFT)) return 0;
    snprintf(err, errlen, "pre-copy: cannot read page 0x%llx", (unsigned long long)(pc->ram_base + off));
    return -1;
}

/* The pages marked in the bytemap and written by the CPU since the last round, copied again; the link's
 * harvest then checks the marks against the writes it saw and clears them. */
static int harvest(vdpu_session_t *s, struct mig_precopy *pc, unsigned round, char *err, size_t errlen)
{
    if (!host_mem_read(&s->mem, MIG_HV_BASE, pc->marks, pc->pages)) {
        snprintf(err, errlen, "pre-copy: the bytemap is gone");
        return -1;
    }
    uint32_t dev = 0, cpu = 0;
    for (uint32_t i = 0; i < pc->pages; i++) {
        bool marked = pc->marks[i] != 0, written = !pc->no_cpu_log && (pc->cpu_bits[i / 8] >> i % 8 & 1);
        dev += marked;
        cpu += written && !marked;
        if ((marked || written) && copy_page(s, pc, i, err, errlen)) return -1;
    }
    memset(pc->cpu_bits, 0, (pc->pages + 7) / 8);
    uint32_t n = link_dlog_harvest(&s->bus.link);
    if (s->bus.link.error[0]) {
        snprintf(err, errlen, "pre-copy round %u: %s", round, s->bus.link.error);
        return -1;
    }
    if (n != dev) {
        snprintf(err, errlen, "pre-copy round %u: %u pages marked, the link counted %u", round, dev, n);
        return -1;
    }
    pc->dev_pages[round] = dev;
    pc->cpu_pages[round] = cpu;
    return 0;
}

static bool granted(const link_t *l, uint64_t base, uint64_t len)
{
    for (unsigned i = 0; i < l->ngrant; i++)
        if (l->grant[i].base == base && l->grant[i].len == len) return true;
    return false;
}

void mig_precopy_free(vdpu_session_t *s, struct mig_precopy *pc)
{
    if (s) host_mem_cpu_log(&s->mem, NULL, 0, 0, 0);
    free(pc->image);
    free(pc->cpu_bits);
    free(pc->marks);
    pc->image = pc->cpu_bits = pc->marks = NULL;
}

int mig_log_on(vdpu_session_t *s, uint64_t bytemap, uint64_t range, uint32_t pages, unsigned shift, bool stop,
               char *err, size_t errlen)
{
    /* LOG_ON's settings through the state window */
    const uint32_t set[6] = {(uint32_t)bytemap, (uint32_t)(bytemap >> 32), (uint32_t)range, (uint32_t)(range >> 32),
                             pages, shift};
    uint32_t st;
    for (unsigned i = 0; i < 6; i++)
        if (wr32(s, VDPU_MIG_WIN + 4 * i, set[i], err, errlen)) return -1;
    if (mig_command(s, VDPU_MIG_CTRL_LOG_ON | (stop ? VDPU_MIG_CTRL_STOP : 0), &st, err, errlen)) return -1;
    if (st & VDPU_MIG_STATUS_ERROR) {
        snprintf(err, errlen, "LOG_ON refused (MIG STATUS 0x%08x)", st);
        return -1;
    }
    return 0;
}

int mig_log_off(vdpu_session_t *s, bool stop, uint32_t *log_status, char *err, size_t errlen)
{
    uint32_t st;
    if (mig_command(s, VDPU_MIG_CTRL_LOG_OFF | (stop ? VDPU_MIG_CTRL_STOP : 0), &st, err, errlen)) return -1;
    if (st & VDPU_MIG_STATUS_ERROR) {
        snprintf(err, errlen, "LOG_OFF refused (MIG STATUS 0x%08x)", st);
        return -1;
    }
    return rd32(s, VDPU_MIG_DATA, log_status, err, errlen);
}

int mig_precopy_begin(vdpu_session_t *s, struct mig_precopy *pc, char *err, size_t errlen)
{
    if (!pc->rounds || pc->rounds > MIG_MAX_ROUNDS || !pc->interval) {
        snprintf(err, errlen, "pre-copy: 1..%u rounds, a non-zero interval", MIG_MAX_ROUNDS);
        return -1;
    }
    pc->ram_base = s->opts.ram_base;
    pc->ram_size = s->opts.ram_size;
    pc->pages = (uint32_t)(pc->ram_size >> PC_SHIFT);
    if (!pc->pages || pc->pages > LINK_DLOG_PAGES) {
        snprintf(err, errlen, "pre-copy: %u pages of RAM, the log follows 1..%u", pc->pages, LINK_DLOG_PAGES);
        return -1;
    }
    pc->image = malloc(pc->ram_size);
    pc->cpu_bits = calloc(1, (pc->pages + 7) / 8);
    pc->marks = malloc(pc->pages);
    if (!pc->image || !pc->cpu_bits || !pc->marks) {
        mig_precopy_free(s, pc);
        snprintf(err, errlen, "pre-copy: out of memory");
        return -1;
    }
    /* the hypervisor's own memory for the bytemap, outside the guest's RAM; zeroed, granted */
    uint8_t probe;
    if (!host_mem_read(&s->mem, MIG_HV_BASE, &probe, 1) && !host_mem_add_ram(&s->mem, "hv", MIG_HV_BASE, pc->pages)) {
        mig_precopy_free(s, pc);
        snprintf(err, errlen, "pre-copy: cannot add the hypervisor's memory");
        return -1;
    }
    memset(pc->marks, 0, pc->pages);
    host_mem_write(&s->mem, MIG_HV_BASE, pc->marks, pc->pages);
    if (!granted(&s->bus.link, MIG_HV_BASE, pc->pages) && !link_grant(&s->bus.link, MIG_HV_BASE, pc->pages)) {
        mig_precopy_free(s, pc);
        snprintf(err, errlen, "pre-copy: no grant left for the bytemap");
        return -1;
    }
    if (mig_log_on(s, MIG_HV_BASE, pc->ram_base, pc->pages, PC_SHIFT, false, err, errlen)) goto fail;
    link_dlog_watch(&s->bus.link, MIG_HV_BASE, pc->ram_base, PC_SHIFT, pc->pages);
    host_mem_cpu_log(&s->mem, pc->cpu_bits, pc->ram_base, pc->pages, PC_SHIFT);
    /* round 0: everything */
    for (uint32_t i = 0; i < pc->pages; i++)
        if (copy_page(s, pc, i, err, errlen)) goto fail;
    pc->all_pages = pc->pages;
    pc->round = 1;
    pc->next = s->bus.dev->cycle + pc->interval;
    return 0;
fail:
    mig_precopy_free(s, pc);
    return -1;
}

int mig_precopy_round(vdpu_session_t *s, struct mig_precopy *pc, char *err, size_t errlen)
{
    if (pc->round > pc->rounds) return 1;
    if (s->bus.dev->cycle < pc->next) return 0;
    if (harvest(s, pc, pc->round - 1, err, errlen)) {
        mig_precopy_free(s, pc);
        return -1;
    }
    pc->round++;
    pc->next = s->bus.dev->cycle + pc->interval;
    return pc->round > pc->rounds;
}

/* After the stop: the last pages, the log off, and the image against RAM byte for byte. */
static int precopy_finish(vdpu_session_t *s, struct mig_precopy *pc, char *err, size_t errlen)
{
    if (harvest(s, pc, pc->rounds, err, errlen)) return -1;
    uint32_t log_status;
    if (mig_log_off(s, true, &log_status, err, errlen)) return -1;
    s->bus.link.dlog.on = false;
    host_mem_cpu_log(&s->mem, NULL, 0, 0, 0);
    if (log_status & VDPU_LOG_STATUS_OOR) {
        snprintf(err, errlen, "pre-copy: the device wrote outside the tracked range (LOG_STATUS 0x%x)", log_status);
        return -1;
    }
    static uint8_t page[1u << PC_SHIFT];
    for (uint32_t i = 0; i < pc->pages; i++) {
        uint64_t off = (uint64_t)i << PC_SHIFT;
        if (!host_mem_read(&s->mem, pc->ram_base + off, page, sizeof page)) return -1;
        if (memcmp(page, pc->image + off, sizeof page)) {
            snprintf(err, errlen, "pre-copy missed page 0x%llx: the destination's memory differs from the source's",
                     (unsigned long long)(pc->ram_base + off));
            return -1;
        }
    }
    return 0;
}

/* ---- migration ---------------------------------------------------------------------------------- */

#define MIG_DRAIN_MAX 200000u

/* The PBA's pending bits (a masked vector's message owed), which firmware cannot read: the host reads them
 * and adds them to the state as an MSIX_PENDING part, so the destination raises them again under the
 * restored mask. 0, or -1 with the reason. */
static int state_add_pending(vdpu_session_t *s, uint32_t *state, uint32_t max, uint32_t *len, char *err, size_t errlen)
{
    uint64_t pba;
    if (host_mem_rd(&s->bus, s->pci.msix_pba, 4, &pba) != VDPU_CPL_SC) {
        snprintf(err, errlen, "MSI-X PBA read failed");
        return -1;
    }
    if (!(uint32_t)pba) return 0;
    struct vdps_part_hdr p = {.type = VDPS_MSIX_PENDING, .len = sizeof(struct vdps_msix_pending)};
    struct vdps_msix_pending v = {(uint32_t)pba};
    if (*len + sizeof p + sizeof v > max) {
        snprintf(err, errlen, "no room in the state for the MSI-X pending bits");
        return -1;
    }
    uint8_t *b = (uint8_t *)state;
    memcpy(b + *len, &p, sizeof p);
    memcpy(b + *len + sizeof p, &v, sizeof v);
    *len += (uint32_t)(sizeof p + sizeof v);
    struct vdps_hdr h;
    memcpy(&h, b, sizeof h);
    h.len = *len;
    h.parts++;
    h.crc = (uint32_t)crc32(0, b + sizeof h, *len - (uint32_t)sizeof h);
    memcpy(b, &h, sizeof h);
    return 0;
}

int mig_migrate(vdpu_session_t *s, enum vdpu_engine to, struct mig_precopy *pc, struct mig_report *r, char *err,
                size_t errlen)
{
    vdpu_bus_t *b = &s->bus;
    memset(r, 0, sizeof *r);
    r->from = s->opts.engine;
    r->to = to;
    if (!s->pci.mig) {
        snprintf(err, errlen, "no MIG region (its vendor data capability is absent)");
        if (pc) mig_precopy_free(s, pc);
        return -1;
    }
    /* 1. the wire toward the device held: a frame the device holds must reach a receive buffer first,
     *    since the state carries no frame data */
    uint64_t t = b->dev->cycle;
    b->net.rx_hold = true;
    while (!(b->out.nrx_frames == 0 && !b->net.rx_off) && b->dev->cycle - t < MIG_DRAIN_MAX && !b->stopped)
        vdpu_bus_step(b);
    r->drain = b->dev->cycle - t;
    if (b->out.nrx_frames || b->net.rx_off) {
        b->net.rx_hold = false;
        if (pc) mig_precopy_free(s, pc);
        snprintf(err, errlen, "the device still holds a received frame after %u cycles (no receive buffer?): not migrated",
                 MIG_DRAIN_MAX);
        return -1;
    }
    /* 2. stop, save */
    static uint32_t state[VDPU_MIG_STATE_BYTES / 4];
    uint32_t msix[VDPU_NUM_VECTORS * 4];
    r->stop_at = b->dev->cycle;
    if (mig_stop(s, err, errlen)) {
        b->net.rx_hold = false;
        if (pc) mig_precopy_free(s, pc);
        return -1;
    }
    r->stopped_at = b->dev->cycle;
    if (pc) {
        int rc = precopy_finish(s, pc, err, errlen);
        mig_precopy_free(s, pc);
        if (rc) goto run_source;
    }
    if (mig_state_get(s, state, sizeof state, &r->state_bytes, err, errlen) ||
        state_add_pending(s, state, sizeof state, &r->state_bytes, err, errlen))
        goto run_source;
    r->state = state;
    for (unsigned i = 0; i < VDPU_NUM_VECTORS * 4; i++) {
        uint64_t v;
        if (host_mem_rd(b, s->pci.msix_table + 4 * i, 4, &v) != VDPU_CPL_SC) {
            snprintf(err, errlen, "MSI-X table read failed");
            goto run_source;
        }
        msix[i] = (uint32_t)v;
    }
    const uint32_t *drv = mig_state_part(state, VDPS_DRV_FEATURES, 0, NULL);
    if (!drv) {
        snprintf(err, errlen, "the state has no DRV_FEATURES part");
        goto run_source;
    }
    uint32_t drv_words[4];
    memcpy(drv_words, drv, sizeof drv_words);
    /* 3. the destination: a fresh device, enumerated like the old one (the same BAR, MSI-X on) */
    if (vdpu_session_replace_device(s, to, err, errlen)) return -1;
    if (pci_enumerate(b, VDPU_MMIO_BASE, &s->pci, NULL) || pci_msix_setup(b, &s->pci, NULL)) {
        snprintf(err, errlen, "the new device did not enumerate");
        return -1;
    }
    for (unsigned i = 0; i < VDPU_NUM_VECTORS * 4; i++)
        if (!host_mem_wr(b, s->pci.msix_table + 4 * i, 4, msix[i])) {
            snprintf(err, errlen, "MSI-X table write failed");
            return -1;
        }
    /* driver_feature as the driver wrote it (the device stores what the host writes; firmware takes the
     * negotiated features from the state) */
    uint64_t common = s->pci.vcap[VIRTIO_PCI_CAP_COMMON_CFG].addr;
    for (unsigned w = 0; w < 4; w++)
        if (!host_mem_wr(b, common + VDPU_COMMON_GFSELECT, 4, w) || !host_mem_wr(b, common + VDPU_COMMON_GF, 4, drv_words[w])) {
            snprintf(err, errlen, "driver_feature write failed");
            return -1;
        }
    if (mig_stop(s, err, errlen) || mig_state_set(s, state, r->state_bytes, err, errlen) || mig_run(s, err, errlen))
        return -1;
    /* 4. the doorbells the old device had not served yet, rung again (the control queue's is firmware's) */
    uint64_t notify = s->pci.vcap[VIRTIO_PCI_CAP_NOTIFY_CFG].addr;
    for (unsigned q = 0; q < VDPU_NUM_QUEUES; q++) {
        const struct vdps_vq_runtime *rt = mig_state_part(state, VDPS_VQ_RUNTIME, q, NULL);
        if (rt && (rt->flags & VDPS_VQ_KICK) && !host_mem_wr(b, notify + (uint64_t)q * s->pci.notify_mult, 2, q)) {
            snprintf(err, errlen, "doorbell write failed");
            return -1;
        }
    }
    r->run_at = b->dev->cycle;
    b->net.rx_hold = false;
    return 0;
run_source: {
    char e2[160];
    b->net.rx_hold = false;
    if (mig_run(s, e2, sizeof e2)) snprintf(err + strlen(err), errlen - strlen(err), "; and the source did not run: %s", e2);
    return -1;
}
}
