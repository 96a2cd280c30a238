/* model_state.h - the complete architectural state of the vdpu model: one struct, plain data, no pointers. */
#ifndef VDPU_MODEL_STATE_H
#define VDPU_MODEL_STATE_H

#include <stdbool.h>
#include <stdint.h>

#include "vdpu_regmap.h"

/*
 * Everything the device remembers between clock edges lives in struct
 * vdpu_state, so an edge can be computed as next = f(pre, inputs) from a
 * by-value copy (all but the trailing engine buffers, see struct
 * vdpu_eng_bufs), and live migration can later save/restore it with memcpy.
 * Keep it free of pointers and host-side bookkeeping.
 */

#define VDPU_CFG_IMAGE_BYTES 256 /* implemented config bytes (the rest of the 4 KiB read as unimplemented) */

/* One virtqueue as seen by the host (common cfg) and by firmware (Q_* CSRs): the same storage. */
struct vdpu_queue_ctx {
    uint16_t size;        /* Q_SIZE / queue_size */
    uint16_t msix_vector; /* Q_MSIX / queue_msix_vector */
    uint16_t enable;      /* Q_ENABLE / queue_enable */
    uint16_t reset;       /* Q_RESET / queue_reset */
    uint32_t desc_lo, desc_hi;     /* queue_desc */
    uint32_t driver_lo, driver_hi; /* queue_driver (avail ring) */
    uint32_t device_lo, device_hi; /* queue_device (used ring) */
    /* queue engine position; cleared by DEV_RESET and by firmware writing Q_ENABLE=0 */
    uint16_t last_avail; /* split: next avail ring index to consume; packed: next descriptor slot */
    bool avail_wrap;     /* packed: wrap counter of last_avail (reset 1) */
    uint16_t used_idx;   /* split: used idx; packed: next used slot */
    bool used_wrap;      /* packed: wrap counter of used_idx (reset 1) */
    bool kick;           /* a doorbell is pending (data queues) */
    uint16_t nd;         /* NOTIFICATION_DATA of the latest 4-byte doorbell: split next avail idx; packed
                          * [14:0] next_off, [15] next_wrap */
    bool nd_valid;       /* ... a doorbell has carried data (since reset / Q_ENABLE = 0) */
};

/* Queue engine (docs/queue-engine.md): one FSM, one queue, one read at a time; it caches up to P
 * prefetched ring entries / descriptors and batches up to B split used elements. Its sizes
 * (frame buffers, request lengths, ENG_PARAM_MAX, MRG_MAX) are register-map parameters. */
#define VDPU_ENG_PC_BYTES       (16u * VDPU_ENG_PARAM_MAX) /* prefetch cache: up to ENG_PARAM_MAX descriptors */

enum vdpu_eng_fsm {
    VDPU_ENG_IDLE,
    VDPU_ENG_RD_REQ,  /* load the read request when the DMA output register is free */
    VDPU_ENG_RD_WAIT, /* accept completion beats until the one with `last` */
    VDPU_ENG_PROC,    /* act on the data just read */
    VDPU_ENG_WR_REQ,  /* load the beats of a write */
    VDPU_ENG_TX_OUT,  /* load the frame's beats into the ntx register */
    VDPU_ENG_IRQ,     /* raise (or not) the queue interrupt */
    VDPU_ENG_ERR,     /* record a violation */
    VDPU_ENG_PAY,     /* TX payload of a descriptor with up to `mr` reads outstanding (ENG_PARAM[14:8] > 1) */
    VDPU_ENG_RX_NEXT, /* RX: the frame's used entry is held in the batch: take the next frame on the port */
};

/* The run-ahead descriptor read of a packed TX fetch that takes the whole prefetch cache. */
enum eng_x_ahead {
    ENG_XA_NONE, /* not read (yet) */
    ENG_XA_READ, /* issued in PAY, its completion on the way */
    ENG_XA_IN,   /* in: the next cache (pcx), taken where the service would read the descriptors */
};

/* The run-ahead descriptor read of a receive service that caches descriptors (packed; split with
 * IN_ORDER fetching; docs/queue-engine.md "RX run-ahead"): the P descriptors after the cache's, read
 * while the cache still serves frames. */
enum eng_ra {
    ENG_RA_NONE, /* none */
    ENG_RA_READ, /* in flight: its completion is taken beside the engine (at any state) */
    ENG_RA_IN,   /* in: the next cache (pcx), taken where the service would read the descriptors */
    ENG_RA_BAD,  /* it failed: QERR_DMA where the service would read the descriptors */
    ENG_RA_DROP, /* in flight, not wanted any more (the service read those descriptors itself) */
};

/*
 * One RX frame buffer (docs/queue-engine.md "Network port"). Frames complete in arrival order; the
 * engine serves the oldest (eng.rx_head) while the next one arrives into the other buffer.
 */
struct vdpu_rx_slot {
    bool full;     /* a complete frame waits here */
    bool stale;    /* it predates a device reset: dropped once complete (unless the engine holds it) */
    bool trunc;    /* the frame (waiting or arriving) was longer than the buffer */
    bool vlan;     /* its first beat carries an 802.1Q tag (bytes 12-13 = 0x8100): MTU check + 4 */
    uint16_t len;  /* bytes here: the waiting frame's, or the arriving frame's so far */
};

/* The interrupt decision of a TX service's used write, made beside the engine (docs/queue-engine.md
 * "Interrupt decision"): its event read in flight, or failed. */
enum eng_ev {
    ENG_EV_NONE, /* no decision pending */
    ENG_EV_READ, /* the event read is in flight: its completion decides (at any state) */
    ENG_EV_BAD,  /* it completed with an error: QERR_DMA where the engine next waits for it */
};

/* Why a PAY phase that sends a fetched frame stops once that frame is out (a frame on the wire is never
 * cut): what it does then (docs/queue-engine.md "TX fetch"). */
enum eng_x_stop {
    ENG_X_GO,      /* no stop */
    ENG_X_FAILED,  /* a read failed: PROC (QERR_DMA) */
    ENG_X_RESET,   /* DEV_RESET: IDLE, the reads in flight forgotten */
    ENG_X_TIMEOUT, /* completion timeout: QERR_TIMEOUT */
};

_Static_assert(VDPU_RX_AHEAD_READS >= 2 && VDPU_EV_PENDING >= 2, "pcy and ep[0] are there in every build");
_Static_assert(VDPU_TX_BEYOND_READS >= 1 && VDPU_TX_BEYOND_READS <= VDPU_RX_AHEAD_READS - 1,
               "the reads beyond the next fetch fill pcy and pcz");
_Static_assert(VDPU_NUM_QUEUES <= 8, "vdpu_eng.io_ok has a bit per queue");

/* A run-ahead descriptor read beside the engine (the RTL's ra_read_t) */
struct eng_ra_read {
    uint8_t st;  /* enum eng_ra */
    uint8_t tag; /* its tag */
    uint8_t n;   /* the descriptors it reads */
    uint8_t got; /* bytes in so far */
    bool bad;    /* a beat of it failed (error, poison, too long) */
};

/* An interrupt decision made beside the engine: its event read and the snapshot it decides on (the RTL's
 * decision_t) */
struct eng_decision {
    uint8_t st;   /* enum eng_ev */
    uint8_t tag;  /* its read's tag */
    uint16_t n;   /* packed: the written descriptor's (batch's) ring slots */
    uint16_t o;   /* split: the used idx before that batch (ev_old then) */
    uint16_t nw;  /* the used idx after it, and the used wrap counter then (packed) */
    bool wrap;
};

/* The interrupt coalescer's registers, per queue (irq_coal.c; the RTL's cnt_q, tmr_q in vdpu_irq_coal) */
struct eng_irq_coal {
    uint8_t cnt[VDPU_NUM_QUEUES];  /* interrupts deferred */
    uint32_t tmr[VDPU_NUM_QUEUES]; /* edges since the first of them */
};

struct vdpu_eng {
    uint8_t fsm; /* enum vdpu_eng_fsm */
    bool rx;     /* serving the waiting frame's receiveq (else transmit on q) */
    uint16_t q;  /* queue in service (kept after it, ENG_STATUS[15:8]) */
    uint16_t tx_last; /* the transmitq picked last: the next TX pick starts after it (round robin);
                       * power-on reset only */

    /* the read in flight: request fields, then what its completions brought */
    uint8_t rd_purpose;
    uint8_t rd_tag;
    uint16_t rd_len;
    uint64_t rd_addr;
    uint16_t rd_got; /* bytes received so far */
    bool rd_bad;     /* a beat with an error status, poisoned, or with a foreign tag */
    uint32_t cto;    /* completion timeout: edges waited with reads outstanding (RD_WAIT, PAY) and no
                      * completion beat (CPL_TIMEOUT) */
    uint8_t next_tag; /* 0..QENG_TAGS - 1; power-on reset only */

    /* the write being loaded: header fields, beat index; small writes carry their data here */
    uint8_t wr_purpose;
    uint16_t wr_len;
    uint64_t wr_addr;
    uint16_t wr_beat;
    /* wr_data: in the service arrays below */

    /* the buffer (descriptor chain) in service */
    uint16_t avail_idx;   /* split: avail idx of the last avail read */
    uint16_t avail_flags; /* split: avail flags of the last avail read */
    uint16_t id;          /* split: head id; packed: buffer id of the last descriptor */
    uint16_t ndesc;       /* descriptors of this chain seen so far */
    uint64_t d_addr;      /* current descriptor */
    uint32_t d_len;
    uint16_t d_flags;
    uint16_t d_next;
    uint32_t d_off;      /* bytes of the current descriptor read (TX) or written (RX) */
    uint32_t d_todo;     /* RX: bytes to write into the current descriptor */
    uint32_t chain_len;  /* TX: bytes of the chain in the TX frame buffer */
    uint32_t rx_done;    /* RX: bytes of header+frame written so far */
    uint32_t tx_pos;     /* TX_OUT (and PAY's TX fetch): frame bytes loaded into ntx so far */
    bool no_irq;         /* packed: the driver event structure suppresses the interrupt; split with
                          * EVENT_IDX: used_event does */
    uint8_t err;         /* QERR_* for ERR */

    /* prefetch cache and used batch, for the queue in service (reset at the pick) */
    uint8_t pf;          /* prefetch depth P (1..ENG_PARAM_MAX), latched from ENG_PARAM at the pick */
    uint8_t bb;          /* used batch B (1..ENG_PARAM_MAX), latched likewise */
    uint8_t pc_n;        /* cached entries not yet used: split avail ring ids, packed descriptors */
    uint8_t pc_pos;      /* index of the next one in pc (pc, b_id, b_len: in the service arrays below) */
    uint8_t b_cnt;       /* split / RX: used entries collected, not yet written (packed TX: IN_ORDER only) */
    bool b_held;         /* split: the buffer just done stayed in the batch: IRQ raises nothing */
    bool b_leave;        /* the batch is written because the queue is left (empty, quiesce): IDLE after IRQ */
    /* RX batching: a receive service goes on with the next frame (RX_NEXT) while its used entry is held */
    bool rx_own;         /* the frame in the RX buffer is this service's (freed when the engine is done with it) */
    bool rx_pass;        /* a receive service left its written batch to a waiting transmitq: the next pick
                          * is a transmitq's, though a frame waits (fairness; cleared at every pick) */
    /* IN_ORDER (ENG_CTRL[6], latched at the pick, TX services only): one used entry per batch,
     * the id of its last buffer; packed batches too (b_cnt / b_id as for split) */
    bool io_en;
    uint16_t b_nd;       /* packed IN_ORDER: ring slots of the buffers held in the batch */
    /* split IN_ORDER fetch (ENG_CTRL[6] with a split ring, latched at the pick, TX and RX): heads
     * follow in table order from io_pos, descriptors are read up to P at a time into the cache pc */
    bool io_fetch;
    bool io_seq;         /* io_pos is known (from the queue's hint or a ring read): no avail ring read */
    uint16_t io_pos;     /* the descriptor taken next, in table order */
    /* ... per queue, kept between services: the buffer at avail index io_la starts at descriptor
     * io_head (written when the engine consumes a buffer; dropped while the queue is disabled and
     * at DEV_RESET; a last_avail that does not match costs one avail ring read) */
    uint8_t io_ok;       /* one bit per queue: its io_la / io_head are good */
    uint16_t io_la[VDPU_NUM_QUEUES];
    uint16_t io_head[VDPU_NUM_QUEUES];

    /* INDIRECT_DESC and EVENT_IDX (ENG_CTRL[2] / [3], latched at the pick) */
    bool ind_en;         /* INDIRECT descriptors name tables (else QERR_INDIRECT) */
    bool pk_en;          /* the ring layout of this service: packed (ENG_CTRL[1] at the pick, the RTL's eng_q.pk_en) */
    bool ev_en;          /* EVENT_IDX: used_event / avail_event (split), desc-specific events (packed) */
    bool in_tbl;         /* the chain goes on in an indirect table (reset with every buffer) */
    uint64_t t_addr;     /* the table */
    uint16_t t_n;        /* ... its entries (len / 16, at most queue_size) */
    uint16_t t_cur;      /* entry used next */
    uint16_t t_used;     /* entries used so far (more than t_n: a split loop, QERR_LOOP) */
    uint16_t t_base;     /* first entry of the block in the read buffer ... */
    uint8_t t_cnt;       /* ... and its entries (1..32; 0: no block yet) */
    bool ae_wait;        /* split TX: avail_event written, the avail re-read not done yet */
    uint16_t ev_old;     /* split: used idx before the written batch (vring_need_event's old) */
    /* TX with EVENT_IDX or packed: the interrupt decision pending beside the engine, on the used write
     * before it (ev), and the one before it, still pending when the next batch's used write went out
     * (ep[0]), and so on, EV_PENDING in all: the used ring moves on while fewer are pending
     * (docs/queue-engine.md "Interrupt decision"; model/qeng_irq.c; RTL vdpu_qeng_irq's irq_q.ev, irq_q.ep) */
    struct eng_decision ev, ep[VDPU_EV_PENDING - 1];
    /* an RX service's run-ahead descriptor reads (docs/queue-engine.md "RX run-ahead"), RX_AHEAD_READS
     * in all: the first (ra, its descriptors in pcx) and the ones after it, each the P descriptors after
     * the one before (rb[0] in pcy, rb[i] in pcz[i - 1]: qeng_ahead_buf); each moves up when the first is
     * taken; IDLE picks nothing while one is in flight (RTL vdpu_qeng_rx_ahead's q.ra, q.rb) */
    struct eng_ra_read ra, rb[VDPU_RX_AHEAD_READS - 1];
    /* the service has taken a run-ahead read as its cache: only then do the reads after the first go
     * out (a short service - a burst of frames - leaves at most one read unused; RTL vdpu_qeng_rx_ahead's q.ra_taken) */
    bool ra_taken;
    /* split RX: the avail idx read again beside the engine before the buffers the last one offered run
     * out (docs/queue-engine.md "RX avail refresh"; RTL vdpu_qeng_rx_ahead's q.av): the read (st: NONE, READ, IN, BAD; n
     * unused), the flags and idx it brought (av_data); av_seen: one was issued since the avail idx
     * last changed (one refresh per value; cleared at the pick) */
    struct eng_ra_read av;
    uint8_t av_data[4];
    bool av_seen;
    /* A read beside the engine (an RX run-ahead read, a next fetch's, the read beyond it) failed and no
     * buffer has taken the failure yet: a dropped or forgotten one would otherwise never be reported.
     * IDLE reports it (QERR_DMA) before the next pick; any violation reports it first (a completion
     * timeout's too, an edge later), a reset clears it (RTL eng_q.fail_owed) */
    bool fail_owed;
    /* Not registers: which states the decisions (ev, ep[]) and the run-ahead reads (ra, rb[]) are in,
     * one bit per state (1 << st) - derived from them at the end of every edge (model_qeng_summarize) so
     * the per-edge checks (the timeout, the idle contract, IDLE's pick) test a bit instead of looping
     * over all sixteen */
    uint8_t ev_sts, ra_sts;

    /* MRG_RXBUF (ENG_CTRL[4], latched at the pick): the buffers of the frame in service. Nothing
     * is made used until the whole frame is written (commit), so a frame that runs out of buffers
     * is dropped without the driver seeing any of it. */
    bool mrg_en;
    bool nd_en;          /* NOTIFICATION_DATA (ENG_CTRL[5], latched at the pick) */

    /* several payload reads outstanding (ENG_PARAM[14:8] = max reads M, latched at the pick; M = 1
     * keeps the one-read path). One slot per read tag: a payload read in flight is in its tag's. */
    uint8_t mr;          /* M (1..QENG_TAGS; 1 for RX) */
    uint8_t p_n;         /* reads outstanding */
    uint32_t p_req;      /* bytes of the descriptor requested */
    bool p_bad;          /* an error status, a foreign tag or a wrong length seen (p_slot: below) */
    /* TX fetch (packed or split IN_ORDER TX, M > 1, ENG_PARAM[18:15] = K > 1; docs/queue-engine.md
     * "TX fetch"): the PAY phase of a one-descriptor frame also reads the payload of the one-descriptor
     * frames cached behind it, each at its own 32-byte aligned base in the TX frame buffer, and sends
     * each on the network port as soon as its bytes are in, in ring order, while the reads of the ones
     * behind it go on; those frames are then served without reads or TX_OUT (their used entries and
     * interrupts only). PAY requests entry x.req's bytes (p_req so far) and sends entry x.out's. */
    uint8_t xf;          /* K (1..ENG_PARAM_MAX), latched at the pick */
    struct eng_tx_fetch { /* the RTL's tx_fetch_t eng_q.x */
        uint8_t cnt;     /* frames the PAY phase reads (1: its own descriptor only) */
        uint8_t req;     /* the one whose reads it issues now: 0 the descriptor in service, j the j-th cached */
        uint32_t rbase;  /* ... its base in the TX frame buffer */
        uint8_t out;     /* the one PAY sends next (cnt: all sent); from tx_base, tx_pos bytes of it so far */
        uint8_t stop;    /* PAY stops once the frame it sends is out (enum eng_x_stop; 0: it goes on) */
        uint8_t left;    /* frames fetched behind the one in service, not served yet */
        bool sent;       /* the frame in service and those left behind it were sent in PAY */
        uint8_t bidx;    /* the TX fetch buffer (0..TX_FETCH_BUFS - 1) of the PAY phase's frames: from bidx x
                          * TX_BUF_BYTES; the next fetches' are the ones after it, round */
    } x;
    uint32_t tx_base;    /* the base in the TX frame buffer of the frame sent (PAY: x.out's; 0 outside PAY:
                          * TX_OUT sends from 0) */
    struct eng_x_ahead_read { /* the RTL's x_ahead_t, vdpu_qeng_tx_ahead's q.xa */
        uint8_t st;      /* the fetch takes the whole cache: the next P descriptors read first in PAY (enum
                          * eng_x_ahead; pcx: in the service arrays) */
        uint8_t n;       /* ... descriptors it reads */
        uint8_t tag;     /* ... its tag */
        uint8_t got;     /* ... bytes in so far */
    } xa;
    /* the next fetches read early (docs/queue-engine.md "TX fetch", "The next fetch read early"): once the
     * fetch's reads are all issued and its read ahead is in, PAY issues the payload reads of the frames
     * the read-ahead descriptors start (counted as a fetch counts them) into the next TX fetch buffer -
     * xn[0]; once those are all issued, xn[0] takes the whole read ahead and the read beyond it (xb[0],
     * pcy) is in, the frames that read starts into the buffer after - xn[1]; and so on, xn[i] from
     * xb[i - 1]'s descriptors. The next PAY phase of the service takes xn[0] over and the rest move up.
     * Their beats are taken at any state (qeng_xn_tap). */
    struct eng_next_fetch { /* the RTL's next_fetch_t eng_q.xn[] */
        uint8_t cnt;     /* frames of the next fetch whose reads are issued early (0: none) */
        uint8_t req;     /* ... the one whose reads are issued (0..cnt - 1), preq bytes of it so far */
        uint32_t preq;
        uint32_t rbase;  /* ... its base in the TX buffer */
        uint8_t n;       /* ... reads of it in flight */
        bool bad;        /* ... one of them failed (an error status, poisoned, more or fewer bytes) */
    } xn[VDPU_TX_FETCH_BUFS - 1];
    /* the reads beyond the next fetch's descriptors, issued as PAY starts (xb[0] the P after the read
     * ahead, xb[i] the P after xb[i - 1]'s; in pcy and pcz[i - 1], the service arrays): xb[0] becomes the
     * next PAY phase's read ahead, in or on the way, the rest move up (the RTL's vdpu_qeng_tx_ahead q.xb) */
    struct eng_x_read {
        uint8_t st;      /* enum eng_x_ahead */
        uint8_t n;       /* descriptors it reads */
        uint8_t tag;     /* its tag */
        uint8_t got;     /* bytes in so far */
        bool bad;        /* a beat of it failed */
    } xb[VDPU_TX_BEYOND_READS];
    uint8_t m_n;         /* buffers of the frame filled so far (before the one in service; m_id, m_len,
                          * m_off: in the service arrays below) */
    uint16_t m_nd;       /* packed: ring slots of the filled buffers */
    uint32_t m_base;     /* rx_done when the buffer in service started */
    uint64_t nb_addr;    /* host address of header byte 10 (num_buffers), where the stream put it */
    uint16_t m_la0;      /* packed: last_avail / avail_wrap at the pick (a dropped frame gives its */
    bool m_aw0;          /* ... slots back) */
    bool m_commit;       /* the frame is complete: num_buffers patch and used entries being written */
    uint8_t m_cnt;       /* ... num_buffers */
    uint8_t m_k;         /* ... the used entry being written: buffers 1..m_cnt-1, then 0 (as m_k = m_cnt) */

    /* CSRs */
    uint8_t ctrl;      /* ENG_CTRL[7:0] */
    uint32_t param;    /* ENG_PARAM: [3:0] prefetch depth, [7:4] used batch (plain 32-bit storage) */
    uint32_t coal;     /* ENG_COAL: [7:0] frames, [31:8] cycles (coalescing off while cycles is 0) */
    struct eng_irq_coal irq_coal; /* the coalescer's registers (irq_coal.c, rtl/vdpu_irq_coal.sv) */
    uint64_t hm_base;  /* HOSTMEM_BASE */
    uint64_t hm_size;  /* HOSTMEM_SIZE */
    uint16_t rx_dropped; /* ENG_STATUS[31:16], saturating */
    uint32_t qerr;     /* QERR */
    uint32_t err_info; /* ERR_INFO */

    /* network port */
    struct vdpu_rx_slot rxs[VDPU_RX_FRAME_BUFS]; /* the RX frame buffers (netio.c) */
    uint8_t rx_head;   /* the buffer of the oldest frame: the one the engine serves (rx_waiting) */
    bool ntx_valid;
    vdpu_ntx_t ntx;

    /* The service arrays: written only while the engine serves a queue (a state other than IDLE, or
     * the pick), so the model copies them between its two state buffers only after an edge that
     * may have written them (model.c, state_regs_copy) instead of at every edge. Kept together at
     * the end for that one copy. */
    struct {
        uint8_t wr_data[16 * VDPU_ENG_PARAM_MAX]; /* a batch of split used elements / packed RX used descriptors */
        uint8_t pc[VDPU_ENG_PC_BYTES]; /* the prefetch cache, as read (2 bytes per ring id, 16 per descriptor) */
        /* the reads ahead's descriptors (RTL vdpu_qeng_ahead_bufs, buffers 0, 1, 2 + i) */
        uint8_t pcx[VDPU_ENG_PC_BYTES]; /* TX fetch: the read ahead's (xa); RX: the first run-ahead read's (ra) */
        uint8_t pcy[VDPU_ENG_PC_BYTES]; /* ... the descriptors after the next fetch's (xb[0]); RX: the
                                         * second run-ahead read's (rb[0]) */
        uint8_t pcz[VDPU_RX_AHEAD_READS > 2 ? VDPU_RX_AHEAD_READS - 2 : 1][VDPU_ENG_PC_BYTES]; /* RX: the later run-ahead reads' (rb[1..]); TX: the later reads beyond (xb[1..]) */
        uint16_t b_id[VDPU_ENG_PARAM_MAX];  /* the used batch's ids */
        uint16_t b_len[VDPU_ENG_PARAM_MAX]; /* ... RX: their used lengths (header + frame written; TX: 0) */
        struct {
            bool busy;
            uint8_t nx;      /* 0: the PAY phase's read; i + 1: a read of the next fetch xn[i] */
            uint16_t len, got;
            uint32_t off;    /* where its bytes go in the TX frame buffer (chain offset, or a fetch's base) */
        } p_slot[VDPU_QENG_TAGS]; /* per read tag: the payload read in flight on it */
        uint16_t m_id[VDPU_MRG_MAX];  /* MRG_RXBUF: the filled buffers' ids */
        uint16_t m_len[VDPU_MRG_MAX]; /* ... bytes written into each */
        uint16_t m_off[VDPU_MRG_MAX]; /* packed: ring slots of the frame before each (its used slot - used_idx) */
    };
    _Static_assert(VDPU_TX_BUF_BYTES >= VDPU_FRAME_BUF_BYTES && VDPU_TX_FETCH_BUFS >= 3 && VDPU_TX_FETCH_BUFS - 2 <= VDPU_TX_BEYOND_READS,
                   "the TX buffer holds the longest frame; xn[0] reads from pcx, xn[i] from xb[i - 1]'s (qeng.c xn_count)");
};

/*
 * The engine's byte buffers. They sit at the very end of struct vdpu_state
 * and model_tick does not copy them into `next`: every byte is written and
 * read in disjoint phases (read buffer: RD_WAIT writes, PROC reads; TX
 * buffer: payload reads write, TX_OUT reads; RX buffer: nrx writes while
 * empty, the engine reads while full), so updating them in place is the same
 * as pre/next, without copying 19 KiB per edge.
 */
struct vdpu_eng_bufs {
    uint8_t rd[VDPU_DMA_RD_MAX];
    uint8_t tx[VDPU_TX_FETCH_BUFS * VDPU_TX_BUF_BYTES]; /* the TX fetch buffers, side by side */
    uint8_t rx[VDPU_RX_FRAME_BUFS][VDPU_FRAME_BUF_BYTES];
};

/* Firmware DMA channel (docs/control-plane.md, "Firmware DMA channel"): one transfer at a time
 * between host memory and a small local buffer the firmware reads and writes through CSRs. */
enum vdpu_fwdma_fsm {
    VDPU_FWDMA_IDLE,
    VDPU_FWDMA_REQ,  /* load the read request / the next write beat when the DMA output register is free */
    VDPU_FWDMA_WAIT, /* a read is outstanding: completion beats with FWDMA_TAG fill the buffer */
};

struct vdpu_fwdma {
    uint8_t fsm;      /* enum vdpu_fwdma_fsm */
    bool write;       /* direction of the transfer in progress (FWDMA_CTRL[1] at the start) */
    uint64_t addr;    /* FWDMA_ADDR_HI/LO */
    uint16_t len;     /* FWDMA_LEN[15:0] */
    bool err;         /* FWDMA_STATUS[1] */
    uint8_t err_code; /* FWDMA_STATUS[15:8], FWDMA_ERR_* */
    uint16_t got;     /* read: bytes received so far; write: next beat index */
    bool cpl_bad;     /* read: a completion beat with an error status, poisoned, or too many bytes */
    uint32_t cto;     /* read: edges waited (WAIT) with no completion beat (CPL_TIMEOUT) */
    uint8_t buf[VDPU_FWDMA_BYTES]; /* FWDMA_DATA0..15 */
};

/* RX filter (docs/queue-engine.md, "RX filter"): applied to every frame from the network port. */
struct vdpu_rxf {
    uint8_t ctrl;     /* RXF_CTRL[2:0]: accept all, all multicast, all unicast */
    uint32_t dropped; /* RXF_DROPPED */
    uint32_t mac_lo[VDPU_RXF_ENTRIES];
    uint32_t mac_hi[VDPU_RXF_ENTRIES]; /* [15:0] mac[4..5], [31] valid (other bits read 0) */
    uint8_t dst[6];   /* destination address: the first six data bytes of the frame's first beat */
};

/* RX steering (docs/queue-engine.md, "Receive steering"): the flow table the transmit side writes and
 * the scheduler reads, and the flow keys of the frames passing the network port. */
struct vdpu_steer {
    uint16_t pairs;                       /* MQ_PAIRS */
    uint8_t tbl[VDPU_STEER_ENTRIES];      /* [7] valid, [6:0] queue pair */
    uint8_t fw_idx;                       /* STEER_IDX: the entry STEER_ENT reaches */
    /* TX: ntx beats as the wire takes them */
    uint16_t ntx_q;      /* queue of the engine at the last edge the ntx register was free: the queue
                          * that loaded the beat the register holds */
    uint8_t tx_beat;     /* beats of the current TX frame taken so far (saturates at 2) */
    bool tx_skip;        /* the TX frame in flight began before a table clear: it writes nothing */
    uint8_t tx_b0[32];   /* first beat of the TX frame, bytes past its keep zero */
    uint8_t tx_n0;       /* ... its byte count */
    /* RX: nrx beats as the device takes them */
    uint8_t rx_beat;
    uint8_t rx_b0[32];
    uint8_t rx_n0;
    uint8_t rx_idx[VDPU_RX_FRAME_BUFS]; /* flow table index of the frame in each RX frame buffer */
};

/* One host policy write waiting for firmware (EV_HEAD_INFO / EV_HEAD_DATA). */
struct vdpu_event {
    uint8_t kind;   /* VDPU_EV_* */
    uint16_t queue; /* queue index or feature select */
    uint32_t data;  /* value the host wrote, truncated to the field width */
};

/* One MSI-X table entry, stored already masked to its readable bits. */
struct vdpu_msix_entry {
    uint32_t addr_lo; /* bits [1:0] always 0 */
    uint32_t addr_hi;
    uint32_t data;
    uint32_t ctrl; /* bit 0: vector mask */
};

enum vdpu_completer_fsm {
    VDPU_COMPLETER_IDLE,
    VDPU_COMPLETER_HOLD, /* a policy read waits for the event FIFO to drain, or a pushing write for room in it */
};

struct vdpu_state {
    /* ---- copied on change (model_tick): large and rarely written, each with a generation its one
     * writer bumps; an edge copies a block into the next state only when the two generations differ */
    /* PCI config space (COMMAND, MSIX_CTRL, BAR0 and the window live here) */
    uint8_t cfg[VDPU_CFG_IMAGE_BYTES];
    /* the event FIFO's entries (host policy writes -> firmware); head and count are below */
    struct vdpu_event evq[VDPU_EVQ_DEPTH];
    /* the MSI-X table */
    struct vdpu_msix_entry msix[VDPU_NUM_VECTORS];
    /* the migration state RAM: the MIG window (host), MIG_RAM_IDX / MIG_RAM_DATA (firmware) */
    uint32_t mig_ram[VDPU_MIG_STATE_BYTES / 4];
    /* ---- copied every edge from here on */
    uint32_t cfg_gen, evq_gen, msix_gen, mig_ram_gen; /* generations of cfg, evq, msix and mig_ram */

    /* ---- virtio common cfg registers the host owns */
    uint32_t device_feature_select;
    uint32_t driver_feature_select;
    uint16_t queue_select;

    /* ---- host-visible virtio state the firmware commits through CSRs */
    uint8_t device_status;
    uint8_t config_gen;
    bool cfg_update;       /* CONFIG_UPDATE[0]: firmware is changing device cfg; config_generation reads are held */
    uint16_t num_queues;   /* NUMQ: host-visible num_queues (<= VDPU_NUM_QUEUES), the queue_select validity bound */
    uint16_t msix_config;
    uint32_t dev_feature[VDPU_FEAT_WORDS];
    uint32_t drv_feature[VDPU_FEAT_WORDS];
    struct vdpu_queue_ctx queue[VDPU_NUM_QUEUES];
    uint8_t isr; /* bit0 queue interrupt, bit1 config change */

    /* ---- virtio-net device cfg (NET_* CSRs) */
    uint32_t net_mac_lo;
    uint16_t net_mac_hi;
    uint16_t net_status;
    uint16_t net_max_qp;
    uint16_t net_mtu;

    /* ---- firmware CSR block bookkeeping */
    uint32_t scratch;
    uint32_t irq_enable;
    uint32_t hold_timeout;
    uint32_t cpl_timeout;   /* CPL_TIMEOUT: DMA read completion timeout, cycles (0: none) */
    uint16_t hold_timeouts; /* HOLD_STATUS[31:16], saturating */
    uint32_t diag_count;
    uint32_t diag_last;
    uint32_t notify_count;
    uint32_t fw_err; /* {count[15:0], 8'b0, code} */
    uint16_t fw_qsel;

    /* ---- dirty page log (LOG_* CSRs; model_dirty_log_edge) */
    struct vdpu_dlog {
        uint32_t ctrl;     /* LOG_CTRL */
        uint64_t base;     /* LOG_BASE: the bytemap */
        uint64_t range;    /* LOG_RANGE: tracked range base */
        uint32_t pages;    /* LOG_PAGES */
        bool oor;          /* LOG_STATUS[0] */
        uint32_t marks;    /* LOG_MARKS */
        bool pend;         /* a second page of the last logged write still to mark */
        uint32_t pend_idx; /* ... its bytemap index */
    } dlog;
    uint32_t mig_status; /* MIG_STATUS: what the MIG region shows (the hypervisor's: DEV_RESET keeps it) */
    uint32_t mig_data;   /* MIG_DATA: what MIG DATA shows */
    uint16_t mig_ram_idx; /* MIG_RAM_IDX */

    /* ---- data-path control and status inputs */
    bool quiesce;  /* DP_CTRL[0] */
    bool dp_err;   /* DP_STATUS[1], sticky until INT_ACK[1] */
    bool link;     /* LINK_STATE[0]: the sampled link_up input */
    bool link_chg; /* LINK_STATE[1], sticky until INT_ACK[0] */
    uint16_t ctrlq; /* CTRLQ: the control queue, whose doorbells go to firmware */

    /* ---- event FIFO (host policy writes -> firmware; the entries are at the top) */
    uint8_t evq_head;
    uint8_t evq_count;
    bool evq_overflow; /* EV_COUNT[8], sticky */
    bool reset_pend;   /* a device_status write of 0 is queued and DEV_RESET has not acted: common cfg writes ignored */

    /* ---- MSI-X (the table is at the top) */
    uint64_t msix_pending; /* PBA: bit v = vector v */

    /* ---- host completer */
    enum vdpu_completer_fsm completer;
    vdpu_hreq_t held_req; /* the request parked in HOLD */
    uint32_t hold_cnt;

    /* ---- output registers (payloads keep their last value while valid is low) */
    bool hcpl_valid;
    vdpu_hcpl_t hcpl;
    bool dmareq_valid;
    vdpu_dmareq_t dmareq;
    bool fwrsp_valid;
    uint32_t fwrsp_rdata;
    bool diag_valid;
    vdpu_diag_t diag;

    /* ---- queue engine */
    struct vdpu_eng eng;

    /* ---- firmware DMA channel and RX filter */
    struct vdpu_fwdma fwdma;
    struct vdpu_rxf rxf;
    struct vdpu_steer steer;

    /* ---- must stay last: see struct vdpu_eng_bufs */
    struct vdpu_eng_bufs bufs;
};

#endif
