/* vhost_rte.c - rte_vhost in external-backend mode: the frontend's messages become bridge requests. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_log.h>
#include <rte_vhost.h>

#include "vhost_rte.h"

/* The vhost-user message as it travels on the socket (the header, then the payload we look at);
 * rte_vhost hands the message hooks a pointer to it. */
struct vu_msg {
    uint32_t request, flags, size;
    union {
        uint64_t u64;
        struct {
            uint32_t index, num;
        } state;
    } payload;
} __attribute__((packed));

enum { /* vhost-user requests (vhost-user protocol specification) */
    VU_GET_FEATURES = 1, VU_SET_FEATURES = 2, VU_SET_MEM_TABLE = 5, VU_SET_VRING_NUM = 8, VU_SET_VRING_ADDR = 9,
    VU_SET_VRING_BASE = 10, VU_GET_VRING_BASE = 11, VU_SET_VRING_KICK = 12, VU_SET_VRING_CALL = 13,
    VU_GET_QUEUE_NUM = 17, VU_GET_STATUS = 40,
};
#define VU_F_PROTOCOL_FEATURES 30
#define VU_F_LOG_ALL 26
#define VU_NEED_REPLY (1u << 3)
#define VU_VRING_IDX_MASK 0xffu

static struct {
    bridge_t *br;
    struct vhost_rte_params p;
    int vid;          /* the connection being served, -1 none */
    bool refused;     /* its start was refused: fail its next message */
    bool have_mem;    /* it sent SET_MEM_TABLE (rte_vhost_get_mem_table before that dereferences NULL) */
    bool enabled[BR_MAX_VRINGS]; /* SET_VRING_ENABLE state of each vring (rte_vhost tells changes only) */
    uint32_t base_num[BR_MAX_VRINGS]; /* SET_VRING_BASE of each vring, as sent */
    unsigned ended;
    bool registered;
} g = {.vid = -1};

/* Guest-physical address of a ring that rte_vhost mapped at hva. */
static uint64_t gpa_of(const struct rte_vhost_memory *m, const void *hva)
{
    uint64_t a = (uint64_t)(uintptr_t)hva;
    for (uint32_t i = 0; i < m->nregions; i++) {
        const struct rte_vhost_mem_region *r = &m->regions[i];
        if (a >= r->host_user_addr && a - r->host_user_addr < r->size) return r->guest_phys_addr + (a - r->host_user_addr);
    }
    return 0;
}

/* What the frontend set up, in the bridge's terms. */
/* rte_vhost's memory table as the bridge's regions (at most BR_MAX_REGIONS); their count */
static unsigned regions_of(const struct rte_vhost_memory *m, struct br_region *r)
{
    unsigned n = m->nregions < BR_MAX_REGIONS ? m->nregions : BR_MAX_REGIONS;
    for (unsigned i = 0; i < n; i++)
        r[i] = (struct br_region){m->regions[i].guest_phys_addr, m->regions[i].size,
                                  (uint8_t *)(uintptr_t)m->regions[i].host_user_addr};
    return n;
}

static int collect(int vid, struct br_frontend *fe, char *err, size_t errlen)
{
    memset(fe, 0, sizeof *fe);
    uint64_t f = 0;
    struct rte_vhost_memory *m = NULL;
    if (rte_vhost_get_negotiated_features(vid, &f) || rte_vhost_get_mem_table(vid, &m))
        return snprintf(err, errlen, "rte_vhost has no features or memory table for the connection"), -1;
    fe->features = f & ~(1ull << VU_F_PROTOCOL_FEATURES) & ~(1ull << VU_F_LOG_ALL);
    fe->log_all = (f >> VU_F_LOG_ALL) & 1;
    if (m->nregions > BR_MAX_REGIONS) {
        uint32_t nr = m->nregions; /* read before the free */
        free(m);
        return snprintf(err, errlen, "%u memory regions (at most %u)", nr, BR_MAX_REGIONS), -1;
    }
    fe->nregions = regions_of(m, fe->region);
    uint16_t n = rte_vhost_get_vring_num(vid);
    if (n > BR_MAX_VRINGS) {
        free(m);
        return snprintf(err, errlen, "%u vrings: the device has %u data queues", n, BR_MAX_VRINGS), -1;
    }
    fe->nvrings = n;
    bool packed = (f >> 34) & 1; /* VIRTIO_F_RING_PACKED */
    for (uint16_t i = 0; i < n; i++) {
        struct rte_vhost_vring v;
        uint16_t la = 0, lu = 0;
        if (rte_vhost_get_vhost_vring(vid, i, &v) || rte_vhost_get_vring_base(vid, i, &la, &lu)) {
            free(m);
            return snprintf(err, errlen, "vring %u is not set up", i), -1;
        }
        struct br_vring *b = &fe->vring[i];
        b->desc = gpa_of(m, v.desc);
        b->driver = gpa_of(m, v.avail);
        b->device = gpa_of(m, v.used);
        b->size = v.size;
        b->kickfd = v.kickfd;
        b->callfd = v.callfd;
        b->enabled = g.enabled[i];
        /* split: rte_vhost's last avail index; packed: SET_VRING_BASE as sent (pre_msg), [31:16] the used
         * position when QEMU gave one (nothing in flight: the same as avail otherwise) */
        uint32_t num = g.base_num[i];
        b->base = packed ? (uint16_t)num : la;
        b->used_base = packed ? (uint16_t)((num >> 16) ? num >> 16 : num) : la;
        if (!b->desc || !b->driver || !b->device) {
            free(m);
            return snprintf(err, errlen, "vring %u: a ring lies outside the frontend's memory table", i), -1;
        }
    }
    free(m);
    return 0;
}

static int new_device(int vid)
{
    struct br_frontend fe;
    char err[240];
    if (collect(vid, &fe, err, sizeof err) == 0 && bridge_start(g.br, &fe, err, sizeof err) == 0) return 0;
    fprintf(stderr, "vdpu vhost-user: start refused: %s\n", err);
    g.refused = true; /* rte_vhost keeps the connection: its next message gets the error */
    return -1;
}

static void stop_and_report(int vid)
{
    struct br_ring_state st[BR_MAX_VRINGS];
    if (!bridge_running(g.br)) return;
    bridge_stop(g.br, st, BR_MAX_VRINGS);
    uint16_t n = rte_vhost_get_vring_num(vid);
    for (uint16_t i = 0; i < n && i < BR_MAX_VRINGS; i++) rte_vhost_set_vring_base(vid, i, st[i].avail, st[i].used);
}

static void destroy_device(int vid) { stop_and_report(vid); }

static int vring_state_changed(int vid, uint16_t q, int enable)
{
    if (q < BR_MAX_VRINGS) g.enabled[q] = enable != 0;
    if (vid != g.vid || !bridge_running(g.br)) return 0; /* before the start: new_device sees every vring */
    /* a frontend that changes its queue pairs (MQ) enables or disables whole pairs */
    unsigned pairs = 0;
    for (unsigned k = 0; 2 * k + 1 < BR_MAX_VRINGS; k++)
        if (g.enabled[2 * k] && g.enabled[2 * k + 1]) pairs = k + 1;
    if (pairs) bridge_set_pairs(g.br, pairs);
    return 0;
}

static enum rte_vhost_msg_result pre_msg(int vid, void *msg)
{
    struct vu_msg *m = msg;
    char err[240];
    if (vid != g.vid) return RTE_VHOST_MSG_RESULT_NOT_HANDLED;
    if (g.refused) {
        fprintf(stderr, "vdpu vhost-user: message %u refused: the device did not start for this frontend\n", m->request);
        return RTE_VHOST_MSG_RESULT_ERR;
    }
    switch (m->request) {
    case VU_GET_QUEUE_NUM:
        m->payload.u64 = g.p.max_pairs;
        m->size = sizeof m->payload.u64;
        return RTE_VHOST_MSG_RESULT_REPLY;
    case VU_SET_FEATURES:
        if (bridge_running(g.br)) { /* rte_vhost checks that nothing but VHOST_F_LOG_ALL changed */
            uint64_t f = 0;
            rte_vhost_get_negotiated_features(vid, &f);
            bool log = (m->payload.u64 >> VU_F_LOG_ALL) & 1;
            if (log != ((f >> VU_F_LOG_ALL) & 1) && bridge_set_log(g.br, log, err, sizeof err)) {
                fprintf(stderr, "vdpu vhost-user: SET_FEATURES (log %s) refused: %s\n", log ? "on" : "off", err);
                return RTE_VHOST_MSG_RESULT_ERR;
            }
            return RTE_VHOST_MSG_RESULT_NOT_HANDLED;
        }
        if (bridge_negotiate(g.br, m->payload.u64 & ~(1ull << VU_F_PROTOCOL_FEATURES) & ~(1ull << VU_F_LOG_ALL), err,
                             sizeof err)) {
            fprintf(stderr, "vdpu vhost-user: SET_FEATURES refused: %s\n", err);
            return RTE_VHOST_MSG_RESULT_ERR;
        }
        return RTE_VHOST_MSG_RESULT_NOT_HANDLED;
    case VU_SET_VRING_NUM:
        if (m->payload.state.num > VDPU_QSIZE_MAX || m->payload.state.num == 0) {
            fprintf(stderr, "vdpu vhost-user: vring %u of %u entries refused: the device's queues hold 1..%u\n",
                    m->payload.state.index, m->payload.state.num, VDPU_QSIZE_MAX);
            return RTE_VHOST_MSG_RESULT_ERR;
        }
        return RTE_VHOST_MSG_RESULT_NOT_HANDLED;
    case VU_SET_VRING_BASE: {
        /* kept as sent: packed carries the wrap counter in bit 15 and (QEMU) the used position in [31:16],
         * which rte_vhost_get_vring_base does not give back; a ring that does not start at its beginning
         * is resumed there (restore_positions in bridge.c) */
        unsigned q = m->payload.state.index & VU_VRING_IDX_MASK;
        if (q < BR_MAX_VRINGS) g.base_num[q] = m->payload.state.num;
        return RTE_VHOST_MSG_RESULT_NOT_HANDLED;
    }
    case VU_GET_STATUS:
        /* QEMU waits for this answer in its device start, before the guest's vCPUs run */
        if (g.have_mem && !bridge_running(g.br)) {
            struct rte_vhost_memory *mt = NULL;
            struct br_region r[BR_MAX_REGIONS];
            if (rte_vhost_get_mem_table(vid, &mt) == 0) {
                bridge_memory_crc_start(g.br, r, regions_of(mt, r));
                free(mt);
            }
        }
        return RTE_VHOST_MSG_RESULT_NOT_HANDLED;
    case VU_GET_VRING_BASE:
    case VU_SET_MEM_TABLE:
        /* stop the device before rte_vhost answers with the ring position or unmaps the memory */
        stop_and_report(vid);
        return RTE_VHOST_MSG_RESULT_NOT_HANDLED;
    default: return RTE_VHOST_MSG_RESULT_NOT_HANDLED;
    }
}

static enum rte_vhost_msg_result post_msg(int vid, void *msg)
{
    struct vu_msg *m = msg;
    if (vid != g.vid) return RTE_VHOST_MSG_RESULT_NOT_HANDLED;
    if (m->request == VU_SET_MEM_TABLE) g.have_mem = true;
    if ((m->request == VU_SET_VRING_KICK || m->request == VU_SET_VRING_CALL) && bridge_running(g.br)) {
        struct br_frontend fe;
        char err[200];
        if (collect(vid, &fe, err, sizeof err) == 0) bridge_refresh_fds(g.br, &fe);
    }
    return RTE_VHOST_MSG_RESULT_NOT_HANDLED;
}

/* a page the device wrote, into the frontend's log (a no-op unless it logs: LOG_ALL and SET_LOG_BASE) */
static void log_page(uint64_t gpa, uint64_t len)
{
    if (g.vid >= 0) rte_vhost_log_write(g.vid, gpa, len);
}

static const struct rte_vhost_user_extern_ops ext_ops = {.pre_msg_handle = pre_msg, .post_msg_handle = post_msg};

static int new_connection(int vid)
{
    if (g.vid >= 0) {
        fprintf(stderr, "vdpu vhost-user: a second frontend connected while one is served: refused\n");
        return -1;
    }
    if (rte_vhost_extern_callback_register(vid, &ext_ops, NULL)) {
        fprintf(stderr, "vdpu vhost-user: cannot hook the connection's messages\n");
        return -1;
    }
    g.vid = vid;
    g.refused = false;
    g.have_mem = false;
    memset(g.enabled, 0, sizeof g.enabled);
    for (unsigned i = 0; i < BR_MAX_VRINGS; i++) g.base_num[i] = 0x80008000u; /* packed: index 0, wrap 1 */
    printf("[vhost] frontend connected\n");
    fflush(stdout);
    return 0;
}

static void destroy_connection(int vid)
{
    if (vid != g.vid) return;
    stop_and_report(vid);
    g.vid = -1;
    g.ended++;
    printf("[vhost] frontend disconnected\n");
    fflush(stdout);
    if (g.p.exit_after && g.ended >= g.p.exit_after) bridge_quit(g.br);
}

static const struct rte_vhost_device_ops dev_ops = {
    .new_device = new_device,
    .destroy_device = destroy_device,
    .vring_state_changed = vring_state_changed,
    .new_connection = new_connection,
    .destroy_connection = destroy_connection,
};

int vhost_rte_open(bridge_t *br, const struct vhost_rte_params *p)
{
    g.br = br;
    g.p = *p;
    char prefix[64];
    snprintf(prefix, sizeof prefix, "%s", p->eal_prefix);
    char *eal[] = {"vdpu-vhost-user", "-l", "0", "--no-huge", "--no-pci", "-m", "64", "--no-shconf", "--file-prefix",
                   prefix, "--log-level", p->verbose ? "lib.vhost.config:info" : "lib.vhost.config:warning",
                   "--log-level", "lib.eal:error", NULL};
    int argc = (int)(sizeof eal / sizeof eal[0]) - 1;
    if (rte_eal_init(argc, eal) < 0) {
        fprintf(stderr, "vdpu vhost-user: DPDK EAL initialization failed\n");
        return -1;
    }
    if (!p->client) unlink(p->socket); /* a stale socket of an earlier run */
    uint64_t flags = p->client ? RTE_VHOST_USER_CLIENT : 0;
    if (rte_vhost_driver_register(p->socket, flags)) {
        fprintf(stderr, "vdpu vhost-user: cannot register the vhost-user socket '%s'\n", p->socket);
        return -1;
    }
    g.registered = true;
    /* the device's offer (less what vhost-user cannot carry), and the protocol features the bridge serves;
     * LOG_ALL with LOG_SHMFD: the frontend can migrate, the device's dirty page log filling its log */
    br->log_page = log_page;
    if (rte_vhost_driver_set_features(p->socket, br->offer | 1ull << VU_F_PROTOCOL_FEATURES | 1ull << VU_F_LOG_ALL) ||
        rte_vhost_driver_set_protocol_features(p->socket, 1ull << VHOST_USER_PROTOCOL_F_MQ |
                                                              1ull << VHOST_USER_PROTOCOL_F_REPLY_ACK |
                                                              1ull << VHOST_USER_PROTOCOL_F_NET_MTU |
                                                              1ull << VHOST_USER_PROTOCOL_F_STATUS |
                                                              1ull << VHOST_USER_PROTOCOL_F_LOG_SHMFD) ||
        rte_vhost_driver_callback_register(p->socket, &dev_ops) || rte_vhost_driver_start(p->socket)) {
        fprintf(stderr, "vdpu vhost-user: cannot start the vhost-user socket '%s'\n", p->socket);
        return -1;
    }
    return 0;
}

unsigned vhost_rte_ended(void) { return g.ended; }

void vhost_rte_close(void)
{
    if (g.registered) rte_vhost_driver_unregister(g.p.socket);
    g.registered = false;
    if (!g.p.client) unlink(g.p.socket);
    rte_eal_cleanup();
}
