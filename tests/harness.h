/* harness.h - test helpers: one session per engine, blocking host/firmware accesses, txn capture. */
#ifndef VDPU_TEST_HARNESS_H
#define VDPU_TEST_HARNESS_H

#include <criterion/criterion.h>

#include "host_link.h"
#include "pci_enum.h"
#include "session.h"
#include "virtio_net.h"
#include "virtio_spec.h"

/* A test body run on each engine: ENGINE_TEST(suite, name) { ... uses T (struct tctx *) ... } */
struct tctx {
    vdpu_session_t s;
    vdpu_bus_t *b;
    enum vdpu_engine engine;
    uint64_t bar;           /* BAR0 base once t_enumerate ran */
    vdpu_txn_t log[64];     /* last transactions (ring) */
    unsigned nlog;
    unsigned diag_mark;     /* diagnostics counted by diag_take so far */
};

void t_open(struct tctx *t, enum vdpu_engine e, bool fw_auto);
/* with the real control-plane firmware (build/fw/vdpu-fw.elf) on the embedded CPU */
#define FW_ELF "build/fw/vdpu-fw.elf"
void t_open_fw(struct tctx *t, enum vdpu_engine e, const struct vdpu_opts *base);
void t_close(struct tctx *t); /* asserts the run was clean (cosim: no mismatch) */
/* A test's observer of every port transaction, placed in front of the one the bus had (the harness's own
 * log), which still gets each transaction after it: t_tap_on, run, t_tap_off. */
struct t_tap {
    struct tctx *t;
    void (*fn)(void *ctx, const vdpu_txn_t *x);
    void *ctx;
    void (*chain)(void *, const vdpu_txn_t *);
    void *chain_ctx;
};
void t_tap_on(struct t_tap *tap, struct tctx *t, void (*fn)(void *ctx, const vdpu_txn_t *x), void *ctx);
void t_tap_off(struct t_tap *tap);
/* DMA reads of one purpose in flight (issued, their last completion beat not yet in): now and at most,
 * from t_reads_in_flight_on to t_tap_off(&f->tap) */
struct t_reads_in_flight {
    struct t_tap tap;
    uint8_t purpose;
    bool tag[256];
    unsigned n, max;
};
void t_reads_in_flight_on(struct t_reads_in_flight *f, struct tctx *t, uint8_t purpose);
void t_enumerate(struct tctx *t); /* BAR0 at VDPU_MMIO_BASE, memory + bus master on, MSI-X not set up */
/* t_enumerate, MSI-X set up, the driver initialized with p to DRIVER_OK (asserted) */
void t_drv_up(struct tctx *t, virtio_drv_t *d, const struct drv_params *p);

#define ENGINE_TEST_AUTO(suite, name, fw_auto, ...)                                                                  \
    static void name##_body(struct tctx *T);                                                                         \
    Test(suite, name##_model, ##__VA_ARGS__) { struct tctx t; t_open(&t, VDPU_ENGINE_MODEL, fw_auto); name##_body(&t); t_close(&t); } \
    Test(suite, name##_rtl, ##__VA_ARGS__) { struct tctx t; t_open(&t, VDPU_ENGINE_RTL, fw_auto); name##_body(&t); t_close(&t); }     \
    Test(suite, name##_cosim, ##__VA_ARGS__) { struct tctx t; t_open(&t, VDPU_ENGINE_COSIM, fw_auto); name##_body(&t); t_close(&t); } \
    static void name##_body(struct tctx *T)
/* tests with the real firmware: ENGINE_TEST_REALFW(suite, name) { ... T ... } */
#define ENGINE_TEST_REALFW(suite, name, ...)                                                                        \
    static void name##_body(struct tctx *T);                                                                         \
    Test(suite, name##_model, ##__VA_ARGS__) { struct tctx t; t_open_fw(&t, VDPU_ENGINE_MODEL, NULL); name##_body(&t); t_close(&t); } \
    Test(suite, name##_rtl, ##__VA_ARGS__) { struct tctx t; t_open_fw(&t, VDPU_ENGINE_RTL, NULL); name##_body(&t); t_close(&t); }     \
    Test(suite, name##_cosim, ##__VA_ARGS__) { struct tctx t; t_open_fw(&t, VDPU_ENGINE_COSIM, NULL); name##_body(&t); t_close(&t); } \
    static void name##_body(struct tctx *T)
/* the real firmware with the options `set(o)` makes of the defaults, on each engine */
#define ENGINE_TEST_OPTS(suite, name, set, ...)                                                                      \
    static void name##_body(struct tctx *T);                                                                         \
    static void name##_open(struct tctx *t, enum vdpu_engine e)                                                      \
    {                                                                                                                \
        struct vdpu_opts o;                                                                                          \
        vdpu_opts_default(&o);                                                                                       \
        set(&o);                                                                                                     \
        t_open_fw(t, e, &o);                                                                                         \
    }                                                                                                                \
    Test(suite, name##_model, ##__VA_ARGS__) { struct tctx t; name##_open(&t, VDPU_ENGINE_MODEL); name##_body(&t); t_close(&t); } \
    Test(suite, name##_rtl, ##__VA_ARGS__) { struct tctx t; name##_open(&t, VDPU_ENGINE_RTL); name##_body(&t); t_close(&t); }     \
    Test(suite, name##_cosim, ##__VA_ARGS__) { struct tctx t; name##_open(&t, VDPU_ENGINE_COSIM); name##_body(&t); t_close(&t); } \
    static void name##_body(struct tctx *T)
/* real firmware with queue-engine parameters P (prefetch) and B (used batch) */
#define ENGINE_TEST_PARAMS(suite, name, P, B, ...)                                                                  \
    static void name##_set(struct vdpu_opts *o)                                                                      \
    {                                                                                                                \
        o->prefetch = (P);                                                                                           \
        o->used_batch = (B);                                                                                         \
    }                                                                                                                \
    ENGINE_TEST_OPTS(suite, name, name##_set, ##__VA_ARGS__)
/* tests that play the firmware role themselves */
#define ENGINE_TEST(suite, name, ...) ENGINE_TEST_AUTO(suite, name, false, ##__VA_ARGS__)
/* tests with the built-in pass-through firmware servicing events */
#define ENGINE_TEST_FW(suite, name, ...) ENGINE_TEST_AUTO(suite, name, true, ##__VA_ARGS__)

/* Blocking accesses that assert the completion status. */
uint32_t cfg_rd(struct tctx *t, uint16_t off, unsigned size);
void cfg_wr(struct tctx *t, uint16_t off, unsigned size, uint32_t v);
int cfg_rd_st(struct tctx *t, uint16_t off, unsigned size, uint32_t *v); /* returns status */
int cfg_wr_st(struct tctx *t, uint16_t off, unsigned size, uint32_t v);
uint64_t bar_rd(struct tctx *t, uint32_t off, unsigned size);
void bar_wr(struct tctx *t, uint32_t off, unsigned size, uint64_t v);
int mem_rd_st(struct tctx *t, uint64_t addr, unsigned size, uint64_t *v);
uint32_t csr_rd(struct tctx *t, uint16_t off);
void csr_wr(struct tctx *t, uint16_t off, uint32_t v);
void run_cycles(struct tctx *t, uint64_t n);

/* Diagnostics seen since the last call: count and the last one. */
unsigned diag_take(struct tctx *t, vdpu_diag_t *last);
/* Assert exactly one diag since the last take, with this code and address. */
void expect_diag(struct tctx *t, uint8_t code, uint64_t addr);
void expect_no_diag(struct tctx *t);
/* DMA counts of a traffic phase. */
struct traffic_result {
    uint64_t packets;
    struct dma_count c[VDPU_PURP_COUNT];
    uint64_t rx_merged, rx_bufs_used; /* frames received in several buffers, receive buffers used */
    uint64_t cycles;                  /* of the traffic phase (virtio_net_run) */
    unsigned rd_peak;                 /* DMA reads outstanding at most (the whole run's) */
    unsigned qsize;                   /* the size the driver's queue 0 got */
};
#define REQ(r, P) ((r).c[VDPU_PURP_##P].requests)
/* Enumerate, set up MSI-X, init the driver with p, run np through the queue engine (asserting that
 * every frame arrived), let the device wind down, and return what the traffic phase cost. */
struct traffic_result t_traffic(struct tctx *t, const struct drv_params *p, const struct net_params *np);
/* The same with driver options (buffer shapes, receive buffer size; o may be NULL). */
struct traffic_result t_traffic_opts(struct tctx *t, const struct drv_params *p, const struct net_params *np,
                                     const struct net_opts *o);
/* `packets` TX frames of `size` bytes (0: random sizes with no) on a session of engine e with the real
 * firmware and the engine options of `o`; EVENT_IDX not negotiated (interrupt decisions by timing aside,
 * so that request counts of two runs compare), IN_ORDER only when `in_order`; completions newest first
 * when `reorder`. The session is closed (asserted clean) before it returns. */
struct traffic_result t_tx_run(enum vdpu_engine e, const struct vdpu_opts *o, enum drv_ring ring, unsigned size,
                               unsigned packets, const struct net_opts *no, bool reorder, bool in_order);

/* Read a device CSR while the real firmware owns the CSR port: borrowed between two firmware
 * accesses (test-only; it affects every engine the same way). */
uint32_t peek_csr(struct tctx *t, uint16_t csr);
/* Write a device CSR the same way (test-only: a setting the firmware does not make). */
void poke_csr(struct tctx *t, uint16_t csr, uint32_t v);
/* PCIe faults (link_faults_parse: "KIND@N,...") on the N-th device read from now on */
void t_faults_from_here(struct tctx *t, const char *spec);
/* Run a shell command, capture stdout+stderr into out; its exit status (-1 if it did not exit). */
int sh(const char *cmd, char *out, size_t len);
/* The cycle of the last transaction of channel ch (or UINT64_MAX). */
uint64_t last_txn_cycle(struct tctx *t, unsigned ch);

/* What the host side saw so far: DMA requests of every purpose (MSI-X messages included), MSI-X messages. */
uint64_t t_dma_requests(struct tctx *t);
uint64_t t_msi_total(struct tctx *t);
/* The ring shows used buffers the driver has not reaped (packed: the slot it reads next is used). */
bool t_unreaped(struct tctx *t, const struct net_vq *q);
/* Step n cycles, letting the driver take interrupts (config changes) between them. */
void t_run_polling(struct tctx *t, virtio_drv_t *d, uint64_t n);
/* The firmware's console lines from on to text (the harness discards them by default); text ends the
 * capture and returns them. */
void t_console_on(struct tctx *t);
const char *t_console_text(struct tctx *t);
/* A session for a net-random seed outside struct tctx: engine e, the real firmware, the seed's engine
 * parameters (netrand_session_opts), enumerated, MSI-X on. calloc'ed: vdpu_session_close and free it. */
vdpu_session_t *t_netrand_session(enum vdpu_engine e, uint64_t seed);

/* A JSON file the run wrote, parsed (asserts it exists, fits 64 KiB and parses); cJSON_Delete it. */
struct cJSON *t_json_file(const char *path);
/* `cmd --json path` run (asserting exit 0; the file removed first), and the JSON it wrote, parsed */
struct cJSON *t_run_json(const char *cmd, const char *path);

/* Host memory as a driver writes and reads it (little-endian; asserts the address is backed). */
void hm_w(struct tctx *t, uint64_t a, const void *p, size_t n);
void hm_w16(struct tctx *t, uint64_t a, uint16_t v);
void hm_w32(struct tctx *t, uint64_t a, uint32_t v);
void hm_w64(struct tctx *t, uint64_t a, uint64_t v);
uint16_t hm_r16(struct tctx *t, uint64_t a);
uint32_t hm_r32(struct tctx *t, uint64_t a);
void hm_zero(struct tctx *t, uint64_t a, size_t n);
/* A queue the driver set up, taken over by a test that builds its rings by hand: descriptor area, driver
 * and device areas zeroed, and the device allowed to write only what the spec lets it (split: the used
 * ring with avail_event; packed: the descriptor ring). */
void hm_rings_by_hand(struct tctx *t, const struct drv_queue *x, bool packed);

#endif
