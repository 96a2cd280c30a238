/* session_ckpt.c - a session's state into a checkpoint and back: device, host memory, bus, link, port, firmware. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "session_ckpt.h"

/*
 * Each harness structure is saved as its bytes. On load, the bytes replace the
 * live structure's but for its pointers (callbacks, contexts, the device, files,
 * buffers it owns): those stay the live session's, which was opened with the
 * same options. What a pointer owns and what changes while running (a frame
 * queued on the wire, host memory) is a section of its own.
 */

uint64_t vdpu_ckpt_layout(size_t driver_bytes, size_t traffic_bytes)
{
    const size_t sizes[] = {sizeof(host_mem_t), sizeof(vdpu_bus_t), sizeof(fwrole_t), sizeof(fw_soc_t),
                            sizeof(vdpu_pci_info_t), VDPU_HOST_RAM_SIZE, vdpu_rtl_state_bytes(), driver_bytes,
                            traffic_bytes};
    return ckpt_layout(sizes, sizeof sizes / sizeof sizes[0]);
}

static void io_put(void *ctx, const char tag[4], const void *p, size_t n) { ckpt_put(ctx, tag, p, n); }
static const void *io_get(void *ctx, const char tag[4], size_t *n) { return ckpt_get_any(ctx, tag, n); }

static void save_mem(const host_mem_t *m, ckpt_t *k)
{
    ckpt_put(k, "HMEM", m, sizeof *m);
    for (unsigned i = 0; i < m->nregions; i++) {
        const struct host_region *r = &m->regions[i];
        ckpt_put(k, "HRGN", r->backing.map(r->backing.ctx, 0, r->size), r->size);
    }
    if (m->cpu_log.bits) ckpt_put(k, "HLOG", m->cpu_log.bits, (m->cpu_log.pages + 7) / 8);
}

static int load_mem(host_mem_t *m, ckpt_t *k)
{
    const host_mem_t *f = ckpt_get(k, "HMEM", sizeof *f);
    if (!f) return -1;
    if (f->nregions != m->nregions || (f->cpu_log.bits != NULL) != (m->cpu_log.bits != NULL)) {
        k->failed = true;
        snprintf(k->error, sizeof k->error, "host memory: %u regions%s, this run has %u%s", f->nregions,
                 f->cpu_log.bits ? " and a dirty log" : "", m->nregions, m->cpu_log.bits ? " and a dirty log" : "");
        return -1;
    }
    for (unsigned i = 0; i < m->nregions; i++) {
        const struct host_region *r = &m->regions[i], *fr = &f->regions[i];
        if (r->base != fr->base || r->size != fr->size || strcmp(r->name, fr->name)) {
            k->failed = true;
            snprintf(k->error, sizeof k->error, "host memory region %u is '%.31s' at %#llx, this run has '%.31s'", i,
                     fr->name, (unsigned long long)fr->base, r->name);
            return -1;
        }
        if (ckpt_take(k, "HRGN", r->backing.map(r->backing.ctx, 0, r->size), r->size)) return -1;
    }
    if (m->cpu_log.bits && ckpt_take(k, "HLOG", m->cpu_log.bits, (f->cpu_log.pages + 7) / 8)) return -1;
    host_mem_t live = *m;
    *m = *f;
    memcpy(m->regions, live.regions, sizeof m->regions);
    m->on_msi = live.on_msi;
    m->on_msi_ctx = live.on_msi_ctx;
    m->cpu_log.bits = live.cpu_log.bits;
    return 0;
}

static void save_bus(const vdpu_bus_t *b, ckpt_t *k)
{
    ckpt_put(k, "BUS_", b, sizeof *b);
    for (unsigned i = 0; i < b->net.rx_n; i++) {
        unsigned j = (b->net.rx_head + i) % NET_RXQ;
        ckpt_put(k, "NRXF", b->net.rxq[j].data, b->net.rxq[j].len);
    }
}

static int load_bus(vdpu_bus_t *b, ckpt_t *k)
{
    const vdpu_bus_t *f = ckpt_get(k, "BUS_", sizeof *f);
    if (!f) return -1;
    /* the counts that index arrays (the CRC catches a corrupt file; these keep even a crafted one in bounds) */
    if (f->hq_head >= BUS_HQ_DEPTH || f->hq_n > BUS_HQ_DEPTH || f->net.rx_head >= NET_RXQ || f->net.rx_n > NET_RXQ ||
        f->link.nrd > LINK_MAX_READS || f->link.ngrant > LINK_MAX_GRANTS || f->link.nfired > LINK_MAX_FAULTS ||
        f->link.dlog.nowed > 2) {
        k->failed = true;
        snprintf(k->error, sizeof k->error, "section BUS_: a queue count out of range");
        return -1;
    }
    vdpu_bus_t live = *b;
    *b = *f;
    b->dev = live.dev;
    b->mem = live.mem;
    b->link.mem = live.link.mem;
    b->fw = live.fw;
    b->trace = live.trace;
    b->on_txn = live.on_txn;
    b->on_txn_ctx = live.on_txn_ctx;
    b->on_cycle = live.on_cycle;
    b->on_cycle_ctx = live.on_cycle_ctx;
    b->interrupt = live.interrupt;
    netport_t *n = &b->net;
    n->on_tx_frame = live.net.on_tx_frame;
    n->ctx = live.net.ctx;
    n->tap = live.net.tap;
    n->tap_ctx = live.net.tap_ctx;
    n->clock = live.net.clock;
    for (unsigned i = 0; i < NET_RXQ; i++) n->rxq[i].data = NULL; /* the live queue was empty: nothing to free */
    for (unsigned i = 0; i < n->rx_n; i++) {
        unsigned j = (n->rx_head + i) % NET_RXQ;
        const void *p = ckpt_get(k, "NRXF", n->rxq[j].len);
        n->rxq[j].data = p ? malloc(n->rxq[j].len ? n->rxq[j].len : 1) : NULL;
        if (!n->rxq[j].data) {
            n->rx_n = i; /* what netport_fini frees */
            if (!k->failed) {
                k->failed = true;
                snprintf(k->error, sizeof k->error, "out of memory for a queued frame");
            }
            return -1;
        }
        memcpy(n->rxq[j].data, p, n->rxq[j].len);
    }
    return 0;
}

static void save_soc(const fw_soc_t *s, ckpt_t *k) { ckpt_put(k, "FSOC", s, sizeof *s); }

static int load_soc(fw_soc_t *s, ckpt_t *k)
{
    const fw_soc_t *f = ckpt_get(k, "FSOC", sizeof *f);
    if (!f) return -1;
    fw_soc_t live = *s;
    *s = *f;
    s->cpu.mem = live.cpu.mem;
    s->img = live.img;
    s->console = live.console;
    s->trace = live.trace;
    s->before_step = live.before_step;
    s->before_step_ctx = live.before_step_ctx;
    return 0;
}

int vdpu_session_save(vdpu_session_t *s, ckpt_t *k, char *err, size_t errlen)
{
    if (!s->dev->ops->save) {
        snprintf(err, errlen, "the %s engine takes no checkpoint here (a run that writes waves uses the traced "
                              "RTL model, and the coverage build's RTL model, which cannot be saved)", s->dev->name);
        return -1;
    }
    const struct vdpu_ckpt_io io = {k, io_put, io_get};
    uint64_t dev[2] = {s->dev->cycle, s->dev->failed};
    ckpt_put(k, "DEV_", dev, sizeof dev);
    s->dev->ops->save(s->dev, &io);
    save_mem(&s->mem, k);
    save_bus(&s->bus, k);
    ckpt_put(k, "FWRL", &s->fw, sizeof s->fw);
    uint8_t soc = s->soc != NULL;
    ckpt_put(k, "SOC?", &soc, 1);
    if (s->soc) save_soc(s->soc, k);
    ckpt_put(k, "PCI_", &s->pci, sizeof s->pci);
    return ckpt_error(k, err, errlen);
}

int vdpu_session_load(vdpu_session_t *s, ckpt_t *k, char *err, size_t errlen)
{
    const struct vdpu_ckpt_io io = {k, io_put, io_get};
    uint64_t dev[2];
    uint8_t soc = 2;
    if (!s->dev->ops->load) {
        snprintf(err, errlen, "the %s engine restores no checkpoint here (a run that writes waves uses the traced "
                              "RTL model, which cannot be restored)", s->dev->name);
        return -1;
    }
    if (ckpt_take(k, "DEV_", dev, sizeof dev) == 0 && s->dev->ops->load(s->dev, &io) && !k->failed) {
        k->failed = true;
        snprintf(k->error, sizeof k->error, "the %s engine's state does not fit this build", s->dev->name);
    }
    if (!k->failed) {
        s->dev->cycle = dev[0];
        s->dev->failed = dev[1] != 0;
        load_mem(&s->mem, k);
    }
    if (!k->failed) load_bus(&s->bus, k);
    if (!k->failed) ckpt_take(k, "FWRL", &s->fw, sizeof s->fw);
    if (!k->failed) ckpt_take(k, "SOC?", &soc, 1);
    if (!k->failed && soc != (s->soc != NULL)) {
        k->failed = true;
        snprintf(k->error, sizeof k->error, "taken with %s, this run has %s", soc ? "real firmware" : "the built-in firmware",
                 s->soc ? "real firmware" : "the built-in firmware");
    }
    if (!k->failed && s->soc) load_soc(s->soc, k);
    if (!k->failed) ckpt_take(k, "PCI_", &s->pci, sizeof s->pci);
    if (ckpt_error(k, err, errlen)) return -1;
    vdpu_dev_eval(s->dev, &s->bus.out);
    return 0;
}
