/* bridge.c - the vhost-user bridge's core: frontend memory as host memory, the Linux init sequence through
 * the device's registers, kicks -> doorbells, MSI-X -> call eventfds, stop through the firmware. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "bridge.h"
#include "host_link.h"
#include "mig.h"
#include "vdpu_state.h"
#include "virtio_features.h"
#include "virtio_spec.h"
#include "virtio_suspend.h"

/* Features vhost-user cannot carry, or that the bridge itself owns towards the device:
 * - NOTIFICATION_DATA: a kick is an eventfd counter, it carries no value;
 * - RING_RESET: vhost-user has no per-ring reset message;
 * - SUSPEND: the bridge's own way of stopping the device at GET_VRING_BASE;
 * - CTRL_VQ, CTRL_RX, CTRL_MAC_ADDR: the frontend keeps its control queue (QEMU's virtio-net and
 *   DPDK's virtio-user emulate it); the bridge drives the device's control queue itself. */
static const unsigned not_offered[] = {VIRTIO_F_NOTIFICATION_DATA, VIRTIO_F_RING_RESET, VIRTIO_F_SUSPEND,
                                       VIRTIO_NET_F_CTRL_VQ, VIRTIO_NET_F_CTRL_RX, VIRTIO_NET_F_CTRL_MAC_ADDR};
/* ... and what the bridge negotiates with the device on its own account when offered. */
static const unsigned bridge_owned[] = {VIRTIO_NET_F_CTRL_VQ, VIRTIO_NET_F_CTRL_RX, VIRTIO_NET_F_MQ, VIRTIO_F_SUSPEND};

#define QUIET_CYCLES 20000u   /* no transaction for this long (plus the coalescing timer): idle */
#define CHUNK_CYCLES 256u     /* cycles between looks at the kick fds while busy */
#define SETTLE_CYCLES 2000000u /* at most this long for the device to settle before a stop */
#define CTRL_CMD_CYCLES 2000000u

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static bool bit(uint64_t f, unsigned b) { return b < 64 && ((f >> b) & 1); }

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    printf("[vhost] ");
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
    fflush(stdout);
}

/* ---- memory: frontend regions mapped in this process ------------------------------------------ */

struct fe_backing {
    uint8_t *hva;
    uint64_t size;
};

static uint8_t *fe_map(void *ctx, uint64_t off, size_t len)
{
    struct fe_backing *b = ctx;
    return off <= b->size && len <= b->size - off ? b->hva + off : NULL;
}

static void fe_release(void *ctx) { free(ctx); }

static void unmap_frontend(bridge_t *br)
{
    host_mem_remove(&br->s->mem, "fe");
    link_grant_reset(&br->s->bus.link);
}

static int map_frontend(bridge_t *br, const struct br_frontend *fe, char *err, size_t errlen)
{
    unmap_frontend(br);
    for (unsigned i = 0; i < fe->nregions; i++) {
        const struct br_region *r = &fe->region[i];
        struct fe_backing *b = malloc(sizeof *b);
        char name[32];
        if (!b) return snprintf(err, errlen, "out of memory"), -1;
        b->hva = r->hva;
        b->size = r->size;
        snprintf(name, sizeof name, "fe%u", i);
        if (host_mem_is_msi(&br->s->mem, r->gpa) || host_mem_is_msi(&br->s->mem, r->gpa + r->size - 1) ||
            !host_mem_add_region(&br->s->mem, name, r->gpa, r->size, (struct host_mem_backing){b, fe_map, fe_release})) {
            free(b);
            snprintf(err, errlen, "frontend memory region %u (0x%llx, %llu bytes) overlaps another region or the "
                                  "bridge's own memory", i, (unsigned long long)r->gpa, (unsigned long long)r->size);
            return -1;
        }
        /* the device may write anywhere in the frontend's memory: the guard is the region table */
        link_grant(&br->s->bus.link, r->gpa, r->size);
    }
    return 0;
}

/* ---- MSI-X messages -> call eventfds ----------------------------------------------------------- */

static void on_msi(void *ctx, uint64_t addr, uint32_t data)
{
    bridge_t *br = ctx;
    (void)addr;
    unsigned v = data - PCI_MSI_DATA_BASE;
    if (v >= VDPU_NUM_VECTORS) return;
    if (v == 0) { /* config vector: the device changed its config or needs a reset */
        br->cfg_irq = true;
        return;
    }
    int fd = br->vec_fd[v];
    if (fd < 0) return;
    uint64_t one = 1;
    ssize_t n = write(fd, &one, sizeof one); /* the device decided to interrupt: no second opinion */
    if (n == (ssize_t)sizeof one) {
        br->conn.calls++;
        br->total.calls++;
    }
}

/* ---- network port -------------------------------------------------------------------------------- */

static void on_tx_frame(void *ctx, const uint8_t *frame, unsigned len, uint64_t cycle)
{
    bridge_t *br = ctx;
    br->conn.tx_frames++;
    br->conn.tx_bytes += len;
    br->total.tx_frames++;
    br->total.tx_bytes += len;
    if (br->pcap) pcap_sink_frame(br->pcap, frame, len, cycle);
}

/* Has the frontend posted receive buffers on receiveq 0? The bridge looks as the host it plays
 * would (split: avail idx; packed: the first descriptor made available), so the capture is not
 * offered to a ring that is still empty (QEMU kicks every queue when vhost starts, before a
 * Linux guest fills its receive ring at `ip link set up`). */
static bool rx_posted(bridge_t *br)
{
    const struct drv_given_ring *r = &br->rings[0];
    uint16_t v = 0;
    if (br->dp.ring == DRV_RING_PACKED) {
        if (!host_mem_read(&br->s->mem, r->desc + 14, &v, 2)) return false;
        return (v >> 7 & 1) && !(v >> 15 & 1); /* AVAIL = 1, USED = 0: wrap counter 1 */
    }
    return host_mem_read(&br->s->mem, r->driver + 2, &v, 2) && v != 0;
}

static void offer_rx_frames(bridge_t *br)
{
    if (br->rx_started || !br->p.rx.n || !rx_posted(br)) return;
    br->rx_started = true;
    netport_t *n = &br->s->bus.net;
    for (size_t i = 0; i < br->p.rx.n; i++) {
        if (!netport_inject(n, br->p.rx.data[i], br->p.rx.len[i])) {
            say("the wire's receive queue is full: %zu of %zu frames offered", i, br->p.rx.n);
            break;
        }
        br->conn.rx_offered++;
        br->total.rx_offered++;
    }
}

/* ---- device bring-up and stop -------------------------------------------------------------------- */

static void close_fds(bridge_t *br)
{
    for (unsigned i = 0; i < BR_MAX_VRINGS; i++) {
        if (br->kickfd[i] >= 0) close(br->kickfd[i]);
        if (br->callfd[i] >= 0) close(br->callfd[i]);
        br->kickfd[i] = br->callfd[i] = -1;
    }
    for (unsigned v = 0; v < VDPU_NUM_VECTORS; v++) br->vec_fd[v] = -1;
}

/* dup() the frontend's eventfds: ours stay valid whatever rte_vhost closes */
static void take_fds(bridge_t *br, const struct br_frontend *fe)
{
    close_fds(br);
    for (unsigned i = 0; i < fe->nvrings; i++) {
        br->kickfd[i] = fe->vring[i].kickfd >= 0 ? fcntl(fe->vring[i].kickfd, F_DUPFD_CLOEXEC, 3) : -1;
        br->callfd[i] = fe->vring[i].callfd >= 0 ? fcntl(fe->vring[i].callfd, F_DUPFD_CLOEXEC, 3) : -1;
        if (br->kickfd[i] >= 0) fcntl(br->kickfd[i], F_SETFL, fcntl(br->kickfd[i], F_GETFL) | O_NONBLOCK);
        if (br->running || br->drv.nq) {
            uint16_t v = br->drv.q[i].vector;
            if (v < VDPU_NUM_VECTORS) br->vec_fd[v] = br->callfd[i];
        }
    }
}

static unsigned enabled_pairs(const struct br_frontend *fe)
{
    unsigned pairs = 0;
    for (unsigned k = 0; 2 * k + 1 < fe->nvrings; k++)
        if (fe->vring[2 * k].enabled && fe->vring[2 * k + 1].enabled) pairs = k + 1;
    return pairs ? pairs : 1;
}

static void fill_drv_params(bridge_t *br, uint64_t features)
{
    drv_params_default(&br->dp);
    memset(br->dp.accept, 0, sizeof br->dp.accept);
    br->dp.accept[0] = (uint32_t)features;
    br->dp.accept[1] = (uint32_t)(features >> 32);
    for (size_t i = 0; i < sizeof bridge_owned / sizeof bridge_owned[0]; i++)
        br->dp.accept[bridge_owned[i] / 32] |= 1u << (bridge_owned[i] % 32);
    br->dp.ring = bit(features, VIRTIO_F_RING_PACKED) ? DRV_RING_PACKED : DRV_RING_SPLIT;
}

static int negotiate(bridge_t *br, uint64_t features)
{
    fill_drv_params(br, features);
    enum drv_result r = virtio_drv_negotiate(&br->drv, br->s, &br->dp);
    if (r == DRV_OK) return 0;
    snprintf(br->req_err, sizeof br->req_err, "the device refused the features 0x%llx: %s",
             (unsigned long long)features, br->drv.refusal[0] ? br->drv.refusal : "link error");
    return -1;
}

static int ctrl_cmd(bridge_t *br, uint8_t cls, uint8_t cmd, const void *data, unsigned len, const char *what)
{
    uint8_t ack = 0xff;
    if (virtio_ctrl_cmd(&br->ctrl, cls, cmd, data, len, &ack, CTRL_CMD_CYCLES) || ack != VNET_OK) {
        snprintf(br->req_err, sizeof br->req_err, "control queue: %s %s", what,
                 br->ctrl.error[0] ? br->ctrl.error : "not acked OK");
        return -1;
    }
    return 0;
}

static int set_pairs(bridge_t *br, unsigned pairs)
{
    if (pairs == br->pairs) return 0;
    if (!br->have_ctrl || !bit((uint64_t)br->drv.negotiated[1] << 32 | br->drv.negotiated[0], VIRTIO_NET_F_MQ)) {
        snprintf(br->req_err, sizeof br->req_err, "%u queue pairs asked for, but MQ is not negotiated with the device",
                 pairs);
        return -1;
    }
    uint16_t n = (uint16_t)pairs;
    if (ctrl_cmd(br, VNET_CTRL_MQ, VNET_CTRL_MQ_VQ_PAIRS_SET, &n, 2, "VQ_PAIRS_SET")) return -1;
    if (br->p.verbose) say("VQ_PAIRS_SET %u acked by the firmware", pairs);
    br->pairs = pairs;
    return 0;
}

/* ---- the dirty page log: the device's, passed on to the frontend's ------------------------------ */

#define LOG_HARVEST_CYCLES 16384u /* cycles between looks at the bytemap while logging */

/* Every page the device marked since the last look goes into the frontend's log; the marks are cleared.
 * A mark follows its data (the device's contract), so a page is never logged before it is written. */
static void log_harvest(bridge_t *br)
{
    if (!br->log_on) return;
    static uint8_t map[BR_LOG_MAX_PAGES];
    host_mem_t *m = &br->s->mem;
    if (!host_mem_read(m, BR_LOG_BASE, map, br->log_pages)) return;
    for (uint32_t i = 0; i < br->log_pages; i++) {
        if (!map[i]) continue;
        static const uint8_t zero = 0;
        host_mem_write(m, BR_LOG_BASE + i, &zero, 1);
        if (br->log_page) br->log_page(br->log_lo + ((uint64_t)i << BR_LOG_SHIFT), 1u << BR_LOG_SHIFT);
        br->log_marks++;
        br->dev_pages[i / 8] |= (uint8_t)(1u << (i % 8));
    }
    br->log_next = br->s->bus.dev->cycle + LOG_HARVEST_CYCLES;
}

/* The device's log over the frontend's memory (from its lowest to its highest guest-physical address). */
static int log_start(bridge_t *br)
{
    char *err = br->req_err, e[240];
    const size_t en = sizeof br->req_err;
    if (br->log_on) return 0;
    uint64_t lo = UINT64_MAX, hi = 0;
    for (unsigned i = 0; i < br->fe.nregions; i++) {
        const struct br_region *r = &br->fe.region[i];
        if (r->gpa < lo) lo = r->gpa;
        if (r->gpa + r->size > hi) hi = r->gpa + r->size;
    }
    lo &= ~((1ull << BR_LOG_SHIFT) - 1);
    uint64_t pages = hi > lo ? (hi - lo + (1ull << BR_LOG_SHIFT) - 1) >> BR_LOG_SHIFT : 0;
    if (!pages || pages > BR_LOG_MAX_PAGES)
        return snprintf(err, en, "dirty log: %llu pages of frontend memory (1..%u)", (unsigned long long)pages,
                        BR_LOG_MAX_PAGES), -1;
    if (!br->log_region && !host_mem_add_ram(&br->s->mem, "dirty-log", BR_LOG_BASE, BR_LOG_MAX_PAGES))
        return snprintf(err, en, "dirty log: cannot add the bytemap's memory"), -1;
    br->log_region = true;
    static const uint8_t zero[4096];
    for (uint64_t off = 0; off < pages; off += sizeof zero)
        host_mem_write(&br->s->mem, BR_LOG_BASE + off, zero, pages - off < sizeof zero ? pages - off : sizeof zero);
    if (br->s->bus.link.guard && !link_grant(&br->s->bus.link, BR_LOG_BASE, pages))
        return snprintf(err, en, "dirty log: no grant left for the bytemap"), -1;
    if (mig_log_on(br->s, BR_LOG_BASE, lo, (uint32_t)pages, BR_LOG_SHIFT, false, e, sizeof e))
        return snprintf(err, en, "dirty log: %s", e), -1;
    /* the link checks every write against its marks, as in the simulator's own migrations: a mark missing,
     * extra or misplaced stops the run (the first LINK_DLOG_PAGES pages page by page) */
    link_dlog_watch(&br->s->bus.link, BR_LOG_BASE, lo, BR_LOG_SHIFT, (uint32_t)pages);
    br->log_on = true;
    br->log_lo = lo;
    br->log_pages = (uint32_t)pages;
    memset(br->dev_pages, 0, sizeof br->dev_pages);
    br->log_next = br->s->bus.dev->cycle + LOG_HARVEST_CYCLES;
    say("dirty page log on: %llu pages of 4 KiB from 0x%llx", (unsigned long long)pages, (unsigned long long)lo);
    return 0;
}

/* The last marks (the device stopped: every write and its mark landed), then the log off. stop: keep the
 * device stopped by the MIG command too (else it runs). */
static int log_stop(bridge_t *br, bool stop)
{
    if (!br->log_on) return 0;
    log_harvest(br);
    uint32_t status = 0;
    char e[240];
    int rc = mig_log_off(br->s, stop, &status, e, sizeof e);
    if (rc) snprintf(br->req_err, sizeof br->req_err, "dirty log: %s", e);
    br->s->bus.link.dlog.on = false;
    br->log_on = false;
    say("dirty page log off: %llu pages passed to the frontend's log", (unsigned long long)br->log_marks);
    return rc;
}

/* -v's memory CRCs (bridge.h, bridge_memory_crc_start): one line of CRC-32s of the frontend's memory in
 * blocks (1 MiB, coarser past 256 blocks), "memory crc at the <when>, N KiB blocks: gpa:crc ..." */
static void say_block_crcs(const struct br_region *region, unsigned nregions, const char *when)
{
    uint64_t total = 0, block = 1ull << 20;
    for (unsigned i = 0; i < nregions; i++) total += region[i].size;
    while (total / block > 256) block <<= 1;
    char line[256 * 24 + 64];
    size_t n = (size_t)snprintf(line, sizeof line, "memory crc at the %s, %llu KiB blocks:", when,
                                (unsigned long long)(block >> 10));
    for (unsigned i = 0; i < nregions; i++) {
        const struct br_region *r = &region[i];
        for (uint64_t off = 0; off < r->size && n + 32 < sizeof line; off += block) {
            uint64_t len = r->size - off < block ? r->size - off : block;
            uint32_t crc = (uint32_t)crc32(crc32(0, NULL, 0), r->hva + off, (uInt)len);
            n += (size_t)snprintf(line + n, sizeof line - n, " %llx:%08x", (unsigned long long)(r->gpa + off), crc);
        }
    }
    say("%s", line);
}

void bridge_memory_crc_start(bridge_t *br, const struct br_region *region, unsigned nregions)
{
    if (!br->p.verbose) return;
    say_block_crcs(region, nregions, "start");
    uint64_t total = 0;
    for (unsigned i = 0; i < nregions; i++) total += region[i].size;
    if (total > (1ull << 30)) return; /* page lines for guests up to 1 GiB */
    static char line[512 * 8 + 96];
    for (unsigned i = 0; i < nregions; i++) {
        const struct br_region *r = &region[i];
        for (uint64_t off = 0; off < r->size; off += 512ull << 12) {
            size_t k = (size_t)snprintf(line, sizeof line, "memory page crc at the start from 0x%llx:",
                                        (unsigned long long)(r->gpa + off));
            for (uint64_t p = off; p < r->size && p < off + (512ull << 12); p += 4096) {
                uint64_t len = r->size - p < 4096 ? r->size - p : 4096;
                k += (size_t)snprintf(line + k, sizeof line - k, "%08x",
                                      (uint32_t)crc32(crc32(0, NULL, 0), r->hva + p, (uInt)len));
            }
            say("%s", line);
        }
    }
}

/* -v at a stop, after the device's last write: the block line, and the CRC of each page the device wrote
 * while the frontend logged ("device page crc at the stop: gpa:crc ...", several lines) */
static void memory_crc_stop(bridge_t *br)
{
    if (!br->p.verbose) return;
    say_block_crcs(br->fe.region, br->fe.nregions, "stop");
    static char line[64 * 24 + 64];
    static uint8_t page[4096];
    size_t k = 0;
    for (uint32_t i = 0; i < br->log_pages; i++) {
        if (!(br->dev_pages[i / 8] >> (i % 8) & 1)) continue;
        uint64_t gpa = br->log_lo + ((uint64_t)i << BR_LOG_SHIFT);
        if (!host_mem_read(&br->s->mem, gpa, page, sizeof page)) continue;
        if (!k) k = (size_t)snprintf(line, sizeof line, "device page crc at the stop:");
        k += (size_t)snprintf(line + k, sizeof line - k, " %llx:%08x", (unsigned long long)gpa,
                              (uint32_t)crc32(crc32(0, NULL, 0), page, sizeof page));
        if (k > sizeof line - 40) {
            say("%s", line);
            k = 0;
        }
    }
    if (k) say("%s", line);
}

/* A frontend that resumes a ring elsewhere than at its beginning (QEMU after `stop` / `cont`, or on a live
 * migration's destination): the device, initialized as usual, is moved to the frontend's positions the
 * way a live migration restores a device (docs/migration.md): its state read (STATE_GET, which stops it),
 * each data queue's position replaced by the frontend's, the device reset and the state set back
 * (STATE_SET), then run. Split: the used position is the used idx in guest memory (every consumed buffer
 * was used before the frontend's GET_VRING_BASE answered); packed: what SET_VRING_BASE carried. */
static int restore_positions(bridge_t *br, const struct br_frontend *fe, bool packed)
{
    char *err = br->req_err, e[240];
    const size_t en = sizeof br->req_err;
    uint16_t initial = packed ? 0x8000 : 0; /* index 0, packed wrap counter 1 */
    bool any = false;
    for (unsigned i = 0; i < fe->nvrings; i++) any |= fe->vring[i].base != initial || fe->vring[i].used_base != initial;
    if (!any) return 0; /* 0: at their beginnings, 1: resumed, -1: failed */
    static uint32_t st[VDPU_MIG_STATE_BYTES / 4];
    uint32_t len;
    if (mig_state_get(br->s, st, sizeof st, &len, e, sizeof e))
        return snprintf(err, en, "ring positions: the device's state: %s", e), -1;
    for (unsigned i = 0; i < fe->nvrings; i++) {
        const struct br_vring *v = &fe->vring[i];
        struct vdps_vq_runtime *rt = (struct vdps_vq_runtime *)mig_state_part(st, VDPS_VQ_RUNTIME, i, NULL);
        if (!rt) return snprintf(err, en, "ring positions: the state has no VQ_RUNTIME for queue %u", i), -1;
        uint32_t avail, used;
        if (packed) {
            avail = (v->base & 0x7fffu) | (uint32_t)(v->base >> 15) << 16;
            used = (v->used_base & 0x7fffu) | (uint32_t)(v->used_base >> 15) << 16;
        } else {
            uint16_t u = 0;
            if (!host_mem_read(&br->s->mem, v->device + 2, &u, 2))
                return snprintf(err, en, "ring positions: vring %u's used idx is not in the frontend's memory", i), -1;
            avail = v->base;
            used = u;
        }
        rt->avail_pos = avail;
        rt->used_pos = used;
        rt->flags &= ~VDPS_VQ_KICK; /* start() rings every queue's doorbell */
        if (br->p.verbose) say("vring %u resumes at avail 0x%05x used 0x%05x", i, avail, used);
    }
    struct vdps_hdr *h = (struct vdps_hdr *)st;
    h->crc = (uint32_t)crc32(0, (const uint8_t *)st + sizeof *h, len - (uint32_t)sizeof *h);
    const uint32_t *drv = mig_state_part(st, VDPS_DRV_FEATURES, 0, NULL);
    if (!drv) return snprintf(err, en, "ring positions: the state has no DRV_FEATURES part"), -1;
    uint32_t words[4];
    memcpy(words, drv, sizeof words);
    /* a driver reset keeps the stop: nothing moves until the run */
    if (virtio_drv_reset(&br->drv) != DRV_OK)
        return snprintf(err, en, "ring positions: the device did not reset: %s", br->drv.refusal), -1;
    uint64_t common = br->s->pci.vcap[VIRTIO_PCI_CAP_COMMON_CFG].addr;
    for (unsigned w = 0; w < 4; w++)
        if (!host_mem_wr(&br->s->bus, common + VDPU_COMMON_GFSELECT, 4, w) ||
            !host_mem_wr(&br->s->bus, common + VDPU_COMMON_GF, 4, words[w]))
            return snprintf(err, en, "ring positions: driver_feature write failed"), -1;
    if (mig_state_set(br->s, st, len, e, sizeof e) || mig_run(br->s, e, sizeof e))
        return snprintf(err, en, "ring positions: %s", e), -1;
    br->drv.status = drv_status(&br->drv);
    say("rings resumed where the frontend left them (%u vrings)", fe->nvrings);
    return 1;
}

static int start(bridge_t *br, const struct br_frontend *fe)
{
    char *err = br->req_err;
    if (br->running) return snprintf(err, sizeof br->req_err, "the device is already running"), -1;
    if (fe->nvrings < 2 || fe->nvrings % 2)
        return snprintf(err, sizeof br->req_err, "%u vrings: virtio-net needs receive/transmit pairs", fe->nvrings), -1;
    if (map_frontend(br, fe, err, sizeof br->req_err)) return -1;
    memset(br->rings, 0, sizeof br->rings);
    bool packed = bit(fe->features, VIRTIO_F_RING_PACKED);
    for (unsigned i = 0; i < fe->nvrings; i++) {
        const struct br_vring *v = &fe->vring[i];
        if (v->size == 0 || (packed && (v->base & 0x7fff) >= v->size) || (packed && (v->used_base & 0x7fff) >= v->size)) {
            unmap_frontend(br);
            return snprintf(err, sizeof br->req_err, "vring %u: base 0x%04x / used 0x%04x outside its %u entries", i,
                            v->base, v->used_base, v->size), -1;
        }
        br->rings[i] = (struct drv_given_ring){v->size, v->desc, v->driver, v->device};
    }
    fill_drv_params(br, fe->features);
    br->dp.rings = br->rings;
    br->dp.data_queues = fe->nvrings;
    enum drv_result r = virtio_drv_init(&br->drv, br->s, &br->dp);
    if (r != DRV_OK) {
        snprintf(err, sizeof br->req_err, "device initialization %s: %s", r == DRV_REFUSED ? "refused" : "failed",
                 br->drv.refusal[0] ? br->drv.refusal : "link error");
        unmap_frontend(br);
        return -1;
    }
    br->nvrings = fe->nvrings;
    for (unsigned i = 0; i < fe->nvrings; i++)
        br->notify[i] = br->s->pci.vcap[VIRTIO_PCI_CAP_NOTIFY_CFG].addr + (uint64_t)br->drv.q[i].notify_off * br->s->pci.notify_mult;
    br->running = true; /* from here on a failure is cleaned up by a stop */
    take_fds(br, fe);
    br->pairs = 1;
    br->have_ctrl = false;
    uint64_t neg = (uint64_t)br->drv.negotiated[1] << 32 | br->drv.negotiated[0];
    if (bit(neg, VIRTIO_NET_F_CTRL_VQ)) {
        if (virtio_ctrl_open(&br->ctrl, &br->drv)) {
            snprintf(err, sizeof br->req_err, "control queue: %s", br->ctrl.error);
            return -1;
        }
        br->have_ctrl = true;
        /* vhost-user carries no RX mode and no MAC: the frontend filters, the device takes every frame */
        uint8_t on = 1;
        if (bit(neg, VIRTIO_NET_F_CTRL_RX) && ctrl_cmd(br, VNET_CTRL_RX, VNET_CTRL_RX_PROMISC, &on, 1, "promiscuous mode"))
            return -1;
    }
    if (set_pairs(br, enabled_pairs(fe))) return -1;
    int resumed = restore_positions(br, fe, packed);
    if (resumed < 0) return -1;
    br->log_marks = 0;
    if (fe->log_all && log_start(br)) return -1;
    /* the frontend may have kicked before the device was up: one doorbell per queue is harmless */
    for (unsigned i = 0; i < fe->nvrings; i++) host_link_submit(&br->s->bus, VDPU_HL_MEM_WR, 2, br->notify[i], i);
    if (!resumed) br->rx_started = false; /* a resumed ring had the capture offered already (--pcap-in: once) */
    br->cfg_irq = false;
    br->failed = false;
    memset(&br->conn, 0, sizeof br->conn);
    br->conn_cycle0 = br->s->bus.dev->cycle;
    br->conn_rx0 = br->s->bus.net.rx_frames;
    br->conn_rxb0 = br->s->bus.net.rx_bytes;
    br->conn_t0 = now_s();
    br->connections++;
    char names[512];
    virtio_feature_list(br->drv.negotiated, names, sizeof names);
    say("device started: %u vrings (%u queue pairs), %s ring, features %s", fe->nvrings, br->pairs,
        packed ? "packed" : "split", names);
    return 0;
}

static uint16_t encode(bool packed, uint16_t idx, bool wrap) { return packed ? (uint16_t)((idx & 0x7fff) | wrap << 15) : idx; }

static void report_connection(bridge_t *br)
{
    double wall = now_s() - br->conn_t0;
    uint64_t cyc = br->s->bus.dev->cycle - br->conn_cycle0;
    const netport_t *n = &br->s->bus.net;
    say("connection %llu: %llu frames transmitted (%llu bytes), %llu received (%llu bytes; %llu offered from the "
        "capture), %llu kicks, %llu calls; %llu cycles (%.3f ms simulated) in %.2f s",
        (unsigned long long)br->connections, (unsigned long long)br->conn.tx_frames,
        (unsigned long long)br->conn.tx_bytes, (unsigned long long)(n->rx_frames - br->conn_rx0),
        (unsigned long long)(n->rx_bytes - br->conn_rxb0), (unsigned long long)br->conn.rx_offered,
        (unsigned long long)br->conn.kicks, (unsigned long long)br->conn.calls, (unsigned long long)cyc,
        (double)cyc / 250000.0, wall);
}

/* Suspend (every consumed buffer used, nothing in flight), read each ring's position, then reset. */
static int stop(bridge_t *br)
{
    if (!br->running) return 0;
    bool packed = br->dp.ring == DRV_RING_PACKED;
    uint64_t neg = (uint64_t)br->drv.negotiated[1] << 32 | br->drv.negotiated[0];
    int rc = 0;
    /* the frontend's vCPUs are stopped: let what the device already sent come back through the wire and
     * what it holds reach the receive ring first - a frame dropped with the reset below is one the guest
     * never sees although the device counted it (the migration's exact counts) */
    vdpu_bus_t *b = &br->s->bus;
    if (!vdpu_bus_settle(b, QUIET_CYCLES + br->s->opts.coal_cycles, SETTLE_CYCLES))
        say("the device was still busy %u cycles after the stop request: stopping it anyway", SETTLE_CYCLES);
    if (!bit(neg, VIRTIO_F_SUSPEND) || virtio_drv_suspend(&br->drv) != DRV_OK) {
        say("the device did not suspend (%s): ring positions read from a running device",
            br->drv.refusal[0] ? br->drv.refusal : "SUSPEND not negotiated");
        rc = -1;
    }
    for (unsigned i = 0; i < br->nvrings; i++) {
        uint16_t ai = 0, ui = 0;
        bool aw = true, uw = true;
        if (virtio_drv_queue_state(&br->drv, i, &ai, &aw, &ui, &uw)) rc = -1;
        br->state[i].avail = encode(packed, ai, aw);
        br->state[i].used = encode(packed, ui, uw);
        say("vring %u stopped at avail 0x%04x used 0x%04x", i, br->state[i].avail, br->state[i].used);
    }
    if (log_stop(br, false)) { /* the suspended device's last pages, before the frontend reads the log */
        say("%s", br->req_err);
        rc = -1;
    }
    memory_crc_stop(br);
    if (virtio_drv_reset(&br->drv) != DRV_OK) {
        say("the device did not reset: %s", br->drv.refusal);
        rc = -1;
    }
    if (b->net.rx_n)
        say("%u frame(s) left on the wire dropped with the stop (the receive ring had no buffer for them)",
            b->net.rx_n);
    b->net.loopback = false;
    netport_flush_pending(&b->net);
    b->net.loopback = br->p.loopback;
    unmap_frontend(br);
    close_fds(br);
    br->running = false;
    br->drv.nq = 0;
    report_connection(br);
    return rc;
}

/* ---- the mailbox ----------------------------------------------------------------------------------- */

static int call(bridge_t *br, enum br_req req)
{
    if (br->closed) return -1; /* the simulation thread is gone: nobody would answer */
    br->req = req;
    br->req_done = false;
    br->req_err[0] = 0;
    uint64_t one = 1;
    if (write(br->wakefd, &one, sizeof one) != (ssize_t)sizeof one) return -1;
    while (!br->req_done) pthread_cond_wait(&br->cv, &br->mu);
    br->req = BR_REQ_NONE;
    return br->req_rc;
}

int bridge_negotiate(bridge_t *br, uint64_t features, char *err, size_t errlen)
{
    pthread_mutex_lock(&br->mu);
    br->req_features = features;
    int rc = call(br, BR_REQ_NEGOTIATE);
    if (rc) snprintf(err, errlen, "%s", br->req_err);
    pthread_mutex_unlock(&br->mu);
    return rc;
}

int bridge_start(bridge_t *br, const struct br_frontend *fe, char *err, size_t errlen)
{
    pthread_mutex_lock(&br->mu);
    br->fe = *fe;
    int rc = call(br, BR_REQ_START);
    if (rc) snprintf(err, errlen, "%s", br->req_err);
    pthread_mutex_unlock(&br->mu);
    return rc;
}

int bridge_stop(bridge_t *br, struct br_ring_state *state, unsigned n)
{
    pthread_mutex_lock(&br->mu);
    int rc = call(br, BR_REQ_STOP);
    for (unsigned i = 0; i < n && i < BR_MAX_VRINGS; i++) state[i] = br->state[i];
    pthread_mutex_unlock(&br->mu);
    return rc;
}

int bridge_set_pairs(bridge_t *br, unsigned pairs)
{
    pthread_mutex_lock(&br->mu);
    br->req_pairs = pairs;
    int rc = call(br, BR_REQ_PAIRS);
    pthread_mutex_unlock(&br->mu);
    return rc;
}

int bridge_refresh_fds(bridge_t *br, const struct br_frontend *fe)
{
    pthread_mutex_lock(&br->mu);
    br->fe = *fe;
    int rc = call(br, BR_REQ_FDS);
    pthread_mutex_unlock(&br->mu);
    return rc;
}

int bridge_set_log(bridge_t *br, bool on, char *err, size_t errlen)
{
    pthread_mutex_lock(&br->mu);
    br->req_log = on;
    int rc = call(br, BR_REQ_LOG);
    if (rc) snprintf(err, errlen, "%s", br->req_err);
    pthread_mutex_unlock(&br->mu);
    return rc;
}

bool bridge_running(bridge_t *br)
{
    pthread_mutex_lock(&br->mu);
    bool r = br->running;
    pthread_mutex_unlock(&br->mu);
    return r;
}

void bridge_quit(bridge_t *br)
{
    atomic_store(&br->quit, 1);
    uint64_t one = 1;
    ssize_t n = write(br->wakefd, &one, sizeof one); /* async-signal-safe */
    (void)n;
}

/* Act on a pending request (simulation thread, mutex held). */
static void serve(bridge_t *br)
{
    int rc = 0;
    switch (br->req) {
    case BR_REQ_NONE: return;
    case BR_REQ_NEGOTIATE:
        rc = br->running ? 0 : negotiate(br, br->req_features); /* same features while running: rte_vhost checks */
        break;
    case BR_REQ_START:
        rc = start(br, &br->fe);
        if (rc && br->running) stop(br);
        break;
    case BR_REQ_STOP: rc = stop(br); break;
    case BR_REQ_PAIRS: rc = br->running ? set_pairs(br, br->req_pairs) : 0; break;
    case BR_REQ_FDS:
        if (br->running) take_fds(br, &br->fe);
        break;
    case BR_REQ_LOG:
        br->fe.log_all = br->req_log;
        if (br->running) rc = br->req_log ? log_start(br) : log_stop(br, false);
        break;
    }
    if (rc && br->req_err[0]) fprintf(stderr, "vdpu vhost-user: %s\n", br->req_err);
    br->req_rc = rc;
    br->req_done = true;
    br->req = BR_REQ_NONE;
    pthread_cond_broadcast(&br->cv);
}

/* ---- the simulation thread ------------------------------------------------------------------------ */

/* Readable kick fds become doorbell writes (posted, queued on the host link). */
static bool take_kicks(bridge_t *br, int timeout_ms)
{
    struct pollfd pf[BR_MAX_VRINGS + 1];
    unsigned n = 0, map[BR_MAX_VRINGS];
    pf[n++] = (struct pollfd){br->wakefd, POLLIN, 0};
    for (unsigned i = 0; br->running && i < br->nvrings; i++)
        if (br->kickfd[i] >= 0) {
            map[n - 1] = i;
            pf[n++] = (struct pollfd){br->kickfd[i], POLLIN, 0};
        }
    int k = poll(pf, n, timeout_ms);
    if (k <= 0) return false;
    if (pf[0].revents & POLLIN) {
        uint64_t v;
        ssize_t r = read(br->wakefd, &v, sizeof v);
        (void)r;
    }
    bool kicked = false;
    for (unsigned j = 1; j < n; j++) {
        if (!(pf[j].revents & POLLIN)) continue;
        unsigned i = map[j - 1];
        uint64_t v;
        if (read(br->kickfd[i], &v, sizeof v) != (ssize_t)sizeof v) continue;
        br->conn.kicks++;
        br->total.kicks++;
        kicked = true;
        if (host_link_submit(&br->s->bus, VDPU_HL_MEM_WR, 2, br->notify[i], i) >= 0) br->conn.doorbells++;
        if (i == 0) offer_rx_frames(br); /* --pcap-in: once receiveq 0 has buffers */
    }
    return kicked;
}

/* A config interrupt: the device may have set DEVICE_NEEDS_RESET (a descriptor the frontend got wrong). */
static void check_device(bridge_t *br)
{
    br->cfg_irq = false;
    uint8_t st = drv_status(&br->drv);
    if ((st & VIRTIO_CONFIG_S_NEEDS_RESET) && !br->failed) {
        br->failed = true;
        fprintf(stderr, "vdpu vhost-user: the device set DEVICE_NEEDS_RESET (device_status 0x%02x): it stops "
                        "serving this frontend until the frontend restarts it (the firmware console says why)\n", st);
    }
}

/* One line each time the device goes idle after doing something: a frontend's script (or a
 * person) knows everything sent so far has been through the device. */
static void report_idle(bridge_t *br)
{
    const netport_t *n = &br->s->bus.net;
    if (br->total.tx_frames == br->idle_tx && n->rx_frames == br->idle_rx) return;
    br->idle_tx = br->total.tx_frames;
    br->idle_rx = n->rx_frames;
    say("idle at cycle %llu: %llu frames transmitted, %llu received", (unsigned long long)br->s->bus.dev->cycle,
        (unsigned long long)br->conn.tx_frames, (unsigned long long)(n->rx_frames - br->conn_rx0));
}

static bool harness_idle(bridge_t *br)
{
    vdpu_bus_t *b = &br->s->bus;
    return b->hq_n == 0 && link_idle(&b->link) && b->net.rx_n == 0 && (!br->s->soc || br->s->soc->cpu.wfi);
}

void bridge_run(bridge_t *br)
{
    vdpu_bus_t *b = &br->s->bus;
    uint64_t last_txn = b->ntxn, quiet_since = b->dev->cycle;
    uint64_t quiet_need = QUIET_CYCLES + br->s->opts.coal_cycles;
    while (!atomic_load(&br->quit)) {
        pthread_mutex_lock(&br->mu);
        serve(br);
        bool running = br->running;
        pthread_mutex_unlock(&br->mu);
        if (b->stopped) {
            fprintf(stderr, "vdpu vhost-user: simulation stopped: %s\n", b->stop_reason);
            atomic_store(&br->quit, 1);
            break;
        }
        if (!running) {
            take_kicks(br, -1); /* sleep until a request or a signal */
            continue;
        }
        for (uint64_t end = b->dev->cycle + CHUNK_CYCLES; b->dev->cycle < end && !b->stopped;)
            vdpu_bus_advance(b, end); /* quiet cycles are skipped: the same transactions */
        if (br->cfg_irq) check_device(br);
        if (br->log_on && b->dev->cycle >= br->log_next) log_harvest(br);
        if (b->ntxn != last_txn) {
            last_txn = b->ntxn;
            quiet_since = b->dev->cycle;
        }
        bool idle = b->dev->cycle - quiet_since >= quiet_need && harness_idle(br);
        if (idle) {
            log_harvest(br); /* before sleeping: the frontend may read its log meanwhile */
            report_idle(br);
            offer_rx_frames(br);
            if (b->net.rx_n) continue; /* the capture was just offered: not idle after all */
        }
        /* busy: a quick look at the kicks; idle: nothing changes until a kick or a request comes */
        if (take_kicks(br, idle ? -1 : 0)) quiet_since = b->dev->cycle;
    }
}

/* ---- set-up ---------------------------------------------------------------------------------------- */

int bridge_init(bridge_t *br, vdpu_session_t *s, const struct br_params *p)
{
    memset(br, 0, sizeof *br);
    br->s = s;
    br->p = *p;
    for (unsigned i = 0; i < BR_MAX_VRINGS; i++) br->kickfd[i] = br->callfd[i] = -1;
    for (unsigned v = 0; v < VDPU_NUM_VECTORS; v++) br->vec_fd[v] = -1;
    pthread_mutex_init(&br->mu, NULL);
    pthread_cond_init(&br->cv, NULL);
    br->wakefd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (br->wakefd < 0) {
        fprintf(stderr, "vdpu vhost-user: eventfd: %s\n", strerror(errno));
        return -1;
    }
    s->mem.on_msi = on_msi;
    s->mem.on_msi_ctx = br;
    s->bus.net.loopback = p->loopback;
    s->bus.net.tap = on_tx_frame;
    s->bus.net.tap_ctx = br;
    char err[200];
    if (p->pcap_out && !(br->pcap = pcap_sink_open(p->pcap_out, err, sizeof err))) {
        fprintf(stderr, "vdpu vhost-user: %s\n", err);
        return -1;
    }
    /* the offer: what the device presents in common cfg (read as a driver would), minus what
     * vhost-user cannot carry */
    uint64_t cc = s->pci.vcap[VIRTIO_PCI_CAP_COMMON_CFG].addr, v;
    for (unsigned w = 0; w < 2; w++) {
        if (!host_mem_wr(&s->bus, cc + VDPU_COMMON_DFSELECT, 4, w) ||
            host_mem_rd(&s->bus, cc + VDPU_COMMON_DF, 4, &v) != VDPU_CPL_SC) {
            fprintf(stderr, "vdpu vhost-user: cannot read the device's features\n");
            return -1;
        }
        br->device_offer |= v << (32 * w);
    }
    br->offer = br->device_offer;
    for (size_t i = 0; i < sizeof not_offered / sizeof not_offered[0]; i++) br->offer &= ~(1ull << not_offered[i]);
    return 0;
}

void bridge_shutdown(bridge_t *br)
{
    pthread_mutex_lock(&br->mu);
    if (br->req != BR_REQ_NONE) { /* a request that came with the quit: refuse it */
        br->req_rc = -1;
        br->req_done = true;
        pthread_cond_broadcast(&br->cv);
    }
    if (br->running) stop(br);
    br->closed = true;
    pthread_mutex_unlock(&br->mu);
}

void bridge_fini(bridge_t *br)
{
    bridge_shutdown(br);
    close_fds(br);
    if (br->wakefd >= 0) close(br->wakefd);
    br->wakefd = -1;
    char err[4200];
    if (br->pcap && pcap_sink_close(br->pcap, err, sizeof err)) {
        fprintf(stderr, "vdpu vhost-user: %s\n", err);
        br->out_failed = true;
    }
    br->pcap = NULL;
    br->s->mem.on_msi = NULL;
}
