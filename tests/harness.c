/* harness.c - test helpers shared by every suite. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <cjson/cJSON.h>

#include "harness.h"
#include "netrand.h"
#include "virtio_net_ring.h"

static void record(void *ctx, const vdpu_txn_t *tx)
{
    struct tctx *t = ctx;
    t->log[t->nlog % 64] = *tx;
    t->nlog++;
}

static unsigned diag_seen_total(struct tctx *t);

/* VDPU_TEST_TRACE=1: every port transaction of a test's session on stderr (one line each, as `vdpu run
 * --trace`), to read what a failing test did: VDPU_TEST_TRACE=1 build/tests/vdpu_tests --filter NAME */
static void trace_from_env(struct tctx *t)
{
    if (getenv("VDPU_TEST_TRACE")) t->b->trace = stderr;
}

void t_open(struct tctx *t, enum vdpu_engine e, bool fw_auto)
{
    struct vdpu_opts o;
    memset(t, 0, sizeof *t);
    vdpu_opts_default(&o);
    o.engine = e;
    o.fw_auto = fw_auto;
    o.rerun = "(criterion test)";
    cr_assert_eq(vdpu_session_open(&t->s, &o), 0, "cannot open a %s session", vdpu_engine_name(e));
    t->b = &t->s.bus;
    t->engine = e;
    t->b->on_txn = record;
    t->b->on_txn_ctx = t;
    trace_from_env(t);
}

void t_open_fw(struct tctx *t, enum vdpu_engine e, const struct vdpu_opts *base)
{
    struct vdpu_opts o;
    memset(t, 0, sizeof *t);
    if (base) o = *base;
    else vdpu_opts_default(&o);
    o.engine = e;
    o.fw_path = FW_ELF;
    o.fw_console = NULL; /* keep test output readable; firmware behavior is checked through the device */
    o.rerun = "(criterion test)";
    cr_assert_eq(vdpu_session_open(&t->s, &o), 0, "cannot open a %s session with firmware %s", vdpu_engine_name(e),
                 FW_ELF);
    t->b = &t->s.bus;
    t->engine = e;
    t->b->on_txn = record;
    t->b->on_txn_ctx = t;
    trace_from_env(t);
}

struct traffic_result t_tx_run(enum vdpu_engine e, const struct vdpu_opts *o, enum drv_ring ring, unsigned size,
                               unsigned packets, const struct net_opts *no, bool reorder, bool in_order)
{
    struct tctx t;
    t_open_fw(&t, e, o);
    t.b->link.p.reorder = reorder;
    struct drv_params p;
    drv_params_default(&p);
    p.ring = ring;
    p.drop[VIRTIO_RING_F_EVENT_IDX / 32] |= 1u << (VIRTIO_RING_F_EVENT_IDX % 32);
    if (!in_order) p.drop[VIRTIO_F_IN_ORDER / 32] |= 1u << (VIRTIO_F_IN_ORDER % 32);
    struct net_params np = {NET_TX, packets, size, 3, 100000ull * packets};
    struct traffic_result r = t_traffic_opts(&t, &p, &np, no);
    t_close(&t);
    return r;
}

static void tap_txn(void *ctx, const vdpu_txn_t *x)
{
    struct t_tap *tap = ctx;
    tap->fn(tap->ctx, x);
    tap->chain(tap->chain_ctx, x);
}

void t_tap_on(struct t_tap *tap, struct tctx *t, void (*fn)(void *ctx, const vdpu_txn_t *x), void *ctx)
{
    *tap = (struct t_tap){.t = t, .fn = fn, .ctx = ctx, .chain = t->b->on_txn, .chain_ctx = t->b->on_txn_ctx};
    t->b->on_txn = tap_txn;
    t->b->on_txn_ctx = tap;
}

void t_tap_off(struct t_tap *tap)
{
    tap->t->b->on_txn = tap->chain;
    tap->t->b->on_txn_ctx = tap->chain_ctx;
}

static void reads_in_flight_txn(void *ctx, const vdpu_txn_t *x)
{
    struct t_reads_in_flight *f = ctx;
    if (x->chan == VDPU_CH_DMAREQ && x->u.dmareq.type == VDPU_DMA_RD && x->u.dmareq.purpose == f->purpose) {
        f->tag[x->u.dmareq.tag] = true;
        if (++f->n > f->max) f->max = f->n;
    } else if (x->chan == VDPU_CH_DMACPL && x->u.dmacpl.last && f->tag[x->u.dmacpl.tag]) {
        f->tag[x->u.dmacpl.tag] = false;
        f->n--;
    }
}

void t_reads_in_flight_on(struct t_reads_in_flight *f, struct tctx *t, uint8_t purpose)
{
    memset(f, 0, sizeof *f);
    f->purpose = purpose;
    t_tap_on(&f->tap, t, reads_in_flight_txn, f);
}

void t_close(struct tctx *t)
{
    bool ok = vdpu_session_finish(&t->s);
    const char *why = t->b->stopped ? t->b->stop_reason : "engine check failed";
    char reason[200];
    snprintf(reason, sizeof reason, "%s", why);
    vdpu_session_close(&t->s);
    cr_assert(ok, "run not clean on %s: %s", vdpu_engine_name(t->engine), reason);
}

void t_enumerate(struct tctx *t)
{
    cr_assert_eq(pci_enumerate(t->b, VDPU_MMIO_BASE, &t->s.pci, NULL), 0, "enumeration failed");
    t->bar = t->s.pci.bar_base[0];
    diag_take(t, NULL);
}

int cfg_rd_st(struct tctx *t, uint16_t off, unsigned size, uint32_t *v)
{
    int st = host_cfg_read(t->b, off, size, v);
    cr_assert_geq(st, 0, "config read 0x%x: %s", off, t->b->stop_reason);
    return st;
}

int cfg_wr_st(struct tctx *t, uint16_t off, unsigned size, uint32_t v)
{
    int st = host_cfg_write(t->b, off, size, v);
    cr_assert_geq(st, 0, "config write 0x%x: %s", off, t->b->stop_reason);
    return st;
}

uint32_t cfg_rd(struct tctx *t, uint16_t off, unsigned size)
{
    uint32_t v = 0;
    cr_assert_eq(cfg_rd_st(t, off, size, &v), VDPU_CPL_SC, "config read 0x%x size %u not SC", off, size);
    return v;
}

void cfg_wr(struct tctx *t, uint16_t off, unsigned size, uint32_t v)
{
    cr_assert_eq(cfg_wr_st(t, off, size, v), VDPU_CPL_SC, "config write 0x%x size %u not SC", off, size);
}

int mem_rd_st(struct tctx *t, uint64_t addr, unsigned size, uint64_t *v)
{
    int st = host_mem_rd(t->b, addr, size, v);
    cr_assert_geq(st, 0, "mem read 0x%llx: %s", (unsigned long long)addr, t->b->stop_reason);
    return st;
}

uint64_t bar_rd(struct tctx *t, uint32_t off, unsigned size)
{
    uint64_t v = 0;
    cr_assert_eq(mem_rd_st(t, t->bar + off, size, &v), VDPU_CPL_SC, "BAR read 0x%x not SC", off);
    return v;
}

void bar_wr(struct tctx *t, uint32_t off, unsigned size, uint64_t v)
{
    cr_assert(host_mem_wr(t->b, t->bar + off, size, v), "BAR write 0x%x: %s", off, t->b->stop_reason);
}

uint32_t csr_rd(struct tctx *t, uint16_t off)
{
    uint32_t v = 0;
    cr_assert(fw_csr_read(t->b, &t->s.fw, off, &v), "CSR read 0x%x: %s", off, t->b->stop_reason);
    return v;
}

void csr_wr(struct tctx *t, uint16_t off, uint32_t v)
{
    cr_assert(fw_csr_write(t->b, &t->s.fw, off, v), "CSR write 0x%x: %s", off, t->b->stop_reason);
}

void run_cycles(struct tctx *t, uint64_t n) { vdpu_bus_run_cycles(t->b, n); }

static unsigned diag_seen_total(struct tctx *t)
{
    unsigned n = 0;
    for (unsigned i = 0; i < VDPU_DIAG_COUNT; i++) n += (unsigned)t->b->diag_count[i];
    return n;
}

unsigned diag_take(struct tctx *t, vdpu_diag_t *last)
{
    /* a diag is registered at the edge and visible the cycle after: let it land */
    vdpu_bus_run_cycles(t->b, 2);
    unsigned total = diag_seen_total(t), n = total - t->diag_mark;
    t->diag_mark = total;
    if (last) {
        memset(last, 0, sizeof *last);
        unsigned k = t->nlog < 64 ? t->nlog : 64;
        for (unsigned i = 0; i < k; i++) {
            const vdpu_txn_t *x = &t->log[(t->nlog - 1 - i) % 64];
            if (x->chan == VDPU_CH_DIAG) {
                *last = x->u.diag;
                break;
            }
        }
    }
    return n;
}

void expect_diag(struct tctx *t, uint8_t code, uint64_t addr)
{
    vdpu_diag_t d;
    unsigned n = diag_take(t, &d);
    cr_assert_eq(n, 1, "expected one diag %s, saw %u", vdpu_diag_names[code], n);
    cr_assert_eq(d.code, code, "expected diag %s, got %s", vdpu_diag_names[code],
                 d.code < VDPU_DIAG_COUNT && vdpu_diag_names[d.code] ? vdpu_diag_names[d.code] : "?");
    cr_assert_eq(d.addr, addr, "diag %s address 0x%llx, expected 0x%llx", vdpu_diag_names[code],
                 (unsigned long long)d.addr, (unsigned long long)addr);
}

void expect_no_diag(struct tctx *t)
{
    vdpu_diag_t d;
    unsigned n = diag_take(t, &d);
    cr_assert_eq(n, 0, "unexpected diag %s at 0x%llx", d.code < VDPU_DIAG_COUNT && vdpu_diag_names[d.code] ?
                 vdpu_diag_names[d.code] : "?", (unsigned long long)d.addr);
}

uint64_t last_txn_cycle(struct tctx *t, unsigned ch)
{
    unsigned k = t->nlog < 64 ? t->nlog : 64;
    for (unsigned i = 0; i < k; i++) {
        const vdpu_txn_t *x = &t->log[(t->nlog - 1 - i) % 64];
        if (x->chan == ch) return x->cycle;
    }
    return UINT64_MAX;
}

uint32_t peek_csr(struct tctx *t, uint16_t csr)
{
    fw_soc_t *soc = t->s.soc;
    cr_assert(soc, "needs the real firmware");
    for (unsigned i = 0; i < 1000 && soc->acc.busy && !soc->acc.answered; i++) vdpu_bus_step(t->b);
    cr_assert(!(soc->acc.busy && !soc->acc.answered), "firmware CSR access never completed");
    fwrole_attach(&t->s.fw, t->b);
    uint32_t v = 0;
    bool ok = fw_csr_read(t->b, &t->s.fw, csr, &v);
    fw_soc_attach(soc, t->b);
    cr_assert(ok, "CSR 0x%x: %s", csr, t->b->stop_reason);
    return v;
}

void poke_csr(struct tctx *t, uint16_t csr, uint32_t v)
{
    fw_soc_t *soc = t->s.soc;
    cr_assert(soc, "needs the real firmware");
    for (unsigned i = 0; i < 1000 && soc->acc.busy && !soc->acc.answered; i++) vdpu_bus_step(t->b);
    cr_assert(!(soc->acc.busy && !soc->acc.answered), "firmware CSR access never completed");
    fwrole_attach(&t->s.fw, t->b);
    bool ok = fw_csr_write(t->b, &t->s.fw, csr, v);
    fw_soc_attach(soc, t->b);
    cr_assert(ok, "CSR 0x%x: %s", csr, t->b->stop_reason);
}

int sh(const char *cmd, char *out, size_t len)
{
    char full[4096];
    snprintf(full, sizeof full, "%s 2>&1", cmd);
    FILE *p = popen(full, "r");
    cr_assert_not_null(p);
    size_t n = fread(out, 1, len - 1, p);
    out[n] = 0;
    int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

void t_drv_up(struct tctx *t, virtio_drv_t *d, const struct drv_params *p)
{
    t_enumerate(t);
    cr_assert_eq(pci_msix_setup(t->b, &t->s.pci, NULL), 0);
    cr_assert_eq(virtio_drv_init(d, &t->s, p), DRV_OK, "init: %s", d->refusal);
}

struct traffic_result t_traffic(struct tctx *t, const struct drv_params *p, const struct net_params *np)
{
    return t_traffic_opts(t, p, np, NULL);
}

struct traffic_result t_traffic_opts(struct tctx *t, const struct drv_params *p, const struct net_params *np,
                                     const struct net_opts *o)
{
    struct traffic_result r;
    memset(&r, 0, sizeof r);
    virtio_drv_t *d = calloc(1, sizeof *d);
    virtio_net_t *n = calloc(1, sizeof *n);
    cr_assert(d && n);
    t_drv_up(t, d, p);
    struct link_stats before = t->b->link.st;
    cr_assert_eq(virtio_net_open_opts(n, d, np, o), 0, "%s", n->error);
    uint64_t c0 = t->b->dev->cycle;
    int rc = virtio_net_run(n);
    cr_assert_eq(rc, 0, "traffic failed: %s%s", n->error, t->b->stopped ? t->b->stop_reason : "");
    r.cycles = t->b->dev->cycle - c0;
    r.packets = virtio_net_packets(n);
    r.rx_merged = n->rx_merged;
    r.rx_bufs_used = n->rx_bufs_used;
    /* let the device finish winding down (the read that finds the ring empty and what follows it) */
    vdpu_bus_run_cycles(t->b, 2000);
    struct link_stats st;
    link_stats_since(&t->b->link.st, &before, &st);
    memcpy(r.c, st.total, sizeof r.c);
    r.rd_peak = st.rd_peak;
    r.qsize = d->q[0].size;
    virtio_net_close(n);
    free(n);
    free(d);
    return r;
}

/* ---- host memory ------------------------------------------------------------------------------- */

void hm_w(struct tctx *t, uint64_t a, const void *p, size_t n) { cr_assert(host_mem_write(&t->s.mem, a, p, n), "host write 0x%llx", (unsigned long long)a); }

static void hm_wle(struct tctx *t, uint64_t a, uint64_t v, unsigned n)
{
    uint8_t b[8];
    for (unsigned i = 0; i < n; i++) b[i] = (uint8_t)(v >> (8 * i));
    hm_w(t, a, b, n);
}

static uint64_t hm_rle(struct tctx *t, uint64_t a, unsigned n)
{
    uint8_t b[8];
    cr_assert(host_mem_read(&t->s.mem, a, b, n), "host read 0x%llx", (unsigned long long)a);
    uint64_t v = 0;
    for (unsigned i = 0; i < n; i++) v |= (uint64_t)b[i] << (8 * i);
    return v;
}

void hm_w16(struct tctx *t, uint64_t a, uint16_t v) { hm_wle(t, a, v, 2); }
void hm_w32(struct tctx *t, uint64_t a, uint32_t v) { hm_wle(t, a, v, 4); }
void hm_w64(struct tctx *t, uint64_t a, uint64_t v) { hm_wle(t, a, v, 8); }
uint16_t hm_r16(struct tctx *t, uint64_t a) { return (uint16_t)hm_rle(t, a, 2); }
uint32_t hm_r32(struct tctx *t, uint64_t a) { return (uint32_t)hm_rle(t, a, 4); }

void hm_zero(struct tctx *t, uint64_t a, size_t n)
{
    static const uint8_t z[4096];
    for (size_t o = 0; o < n; o += sizeof z) hm_w(t, a + o, z, n - o < sizeof z ? n - o : sizeof z);
}

void hm_rings_by_hand(struct tctx *t, const struct drv_queue *x, bool packed)
{
    uint64_t n = x->size;
    hm_zero(t, x->desc, 16 * n);
    hm_zero(t, x->driver, packed ? 4 : 6 + 2 * n);
    hm_zero(t, x->device, packed ? 4 : 6 + 8 * n);
    cr_assert(packed ? link_grant(&t->b->link, x->desc, 16 * n) : link_grant(&t->b->link, x->device, 6 + 8 * n));
}

struct cJSON *t_run_json(const char *cmd, const char *path)
{
    static char line[1024], out[16384];
    remove(path);
    snprintf(line, sizeof line, "%s --json %s", cmd, path);
    cr_assert_eq(sh(line, out, sizeof out), 0, "%s: %s", line, out);
    return t_json_file(path);
}

struct cJSON *t_json_file(const char *path)
{
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f, "%s was not written", path);
    static char js[1 << 16];
    size_t n = fread(js, 1, sizeof js - 1, f);
    fclose(f);
    cr_assert_lt(n, sizeof js - 1, "%s is larger than 64 KiB", path);
    js[n] = 0;
    cJSON *root = cJSON_Parse(js);
    cr_assert_not_null(root, "%s is not JSON: %.200s", path, js);
    return root;
}

/* ---- what the host side saw ---------------------------------------------------------------------- */

uint64_t t_dma_requests(struct tctx *t)
{
    uint64_t n = 0;
    for (unsigned p = 0; p < VDPU_PURP_COUNT; p++) n += t->b->link.st.total[p].requests;
    return n;
}

uint64_t t_msi_total(struct tctx *t)
{
    uint64_t n = 0;
    for (unsigned v = 0; v < HOST_MSI_MAX_VECTORS; v++) n += t->s.mem.msi_count[v];
    return n;
}

bool t_unreaped(struct tctx *t, const struct net_vq *q)
{
    if (q->packed) { /* the slot the driver reads next is used */
        uint16_t fl;
        cr_assert(host_mem_read(&t->s.mem, q->desc + 16ull * q->next_used + 14, &fl, 2));
        return ((fl >> 7) & 1) == q->used_wrap && ((fl >> 15) & 1) == q->used_wrap;
    }
    uint16_t used;
    cr_assert(host_mem_read(&t->s.mem, q->device + 2, &used, 2));
    return used != q->last_used;
}

void t_run_polling(struct tctx *t, virtio_drv_t *d, uint64_t n)
{
    for (uint64_t i = 0; i < n && !t->b->stopped; i++) {
        vdpu_bus_step(t->b);
        virtio_drv_poll(d);
    }
}

static char console[16384];
static FILE *console_f;

void t_console_on(struct tctx *t)
{
    console_f = fmemopen(console, sizeof console, "w");
    cr_assert_not_null(console_f);
    setvbuf(console_f, NULL, _IONBF, 0);
    t->s.soc->console = console_f;
}

const char *t_console_text(struct tctx *t)
{
    t->s.soc->console = NULL;
    fclose(console_f);
    return console;
}

vdpu_session_t *t_netrand_session(enum vdpu_engine e, uint64_t seed)
{
    struct vdpu_opts o;
    vdpu_opts_default(&o);
    o.engine = e;
    o.seed = seed;
    o.fw_path = FW_ELF;
    o.fw_console = NULL;
    o.rerun = "(criterion test)";
    netrand_session_opts(seed, &o);
    vdpu_session_t *s = calloc(1, sizeof *s);
    cr_assert_not_null(s);
    cr_assert_eq(vdpu_session_open(s, &o), 0);
    cr_assert_eq(pci_enumerate(&s->bus, VDPU_MMIO_BASE, &s->pci, NULL), 0);
    cr_assert_eq(pci_msix_setup(&s->bus, &s->pci, NULL), 0);
    return s;
}

void t_faults_from_here(struct tctx *t, const char *spec)
{
    struct link_faults f;
    char err[128];
    cr_assert_eq(link_faults_parse(spec, &f, err, sizeof err), 0, "%s", err);
    for (unsigned i = 0; i < f.n; i++) f.f[i].nth += t->b->link.reads;
    link_set_faults(&t->b->link, &f);
}
