/* events.c - event handlers: read the head event, decide with policy.c, commit through CSRs, pop, log. */
#include <inttypes.h>
#include <stdio.h>

#include "csr.h"
#include "ctrlq.h"
#include "device.h"
#include "events.h"
#include "migstate.h"
#include "policy.h"
#include "rv.h"

#define VLOG(...)                               \
    do {                                        \
        if (fw.verbose) printf(__VA_ARGS__);    \
    } while (0)

/* Bound on the data-path drain before a reset: well inside the held-read timeout (HOLD_TIMEOUT,
 * 100,000 cycles by default) so the host still reads the committed 0, not a timed-out value. */
#define QUIESCE_TIMEOUT_CYCLES (100u * CYCLES_PER_US)

/* Host reads of policy fields are held until the FIFO is empty, so the head event is popped
 * only after its commit; logging happens after the pop so the console does not delay the host. */
static bool popped;

static void ev_pop(void)
{
    if (popped) return;
    dev_wr(VDPU_CSR_EV_CTRL, VDPU_EV_CTRL_POP);
    popped = true;
}

static const char *ring_name(enum ring_type rt)
{
    return rt == RING_PACKED ? "packed" : rt == RING_SPLIT ? "split" : "ring type not negotiated";
}

/* Stop the data path starting DMA and wait (bounded) until nothing is outstanding.
 * Returns the cycles it took, or -1 on timeout (logged; a reset goes on regardless, a suspend fails). */
static int32_t dp_quiesce(void)
{
    dev_wr(VDPU_CSR_DP_CTRL, VDPU_DP_CTRL_QUIESCE);
    uint32_t t0 = mtime_lo();
    for (;;) {
        uint32_t dt = mtime_lo() - t0;
        if (dev_rd(VDPU_CSR_DP_STATUS) & VDPU_DP_STATUS_QUIESCED) return (int32_t)dt;
        if (dt > QUIESCE_TIMEOUT_CYCLES) {
            printf("data path still busy after %" PRIu32 " cycles: not quiesced\n", dt);
            return -1;
        }
    }
}

/* Resume DMA unless an internal error keeps the data path stopped until the next reset (or the
 * device is suspended or stopped: the resume or the run un-quiesces). */
static void dp_resume(void)
{
    if (!fw.err_masked && !fw_paused()) dev_wr(VDPU_CSR_DP_CTRL, 0);
}

/* Edges the MSI-X sender needs to load a message once its pending bit is set (the coalescer fires at
 * the edge after the ENG_COAL write, the sender loads at the next free one): waited for before
 * DP_STATUS is trusted to show the message gone. */
#define SETTLE_CYCLES 8u

/* SUSPEND (virtio 1.3, "Device Suspend"): stop consuming buffers (quiesce: the engine ends at the next
 * buffer boundary and writes its pending used batch), wait until nothing is outstanding, and send the
 * used buffer notifications owed: interrupts the coalescer (ENG_COAL) still defers are released by a
 * timer of one edge, then DP_STATUS is waited for again, so the MSI-X messages have left the DMA output
 * register before the driver can read SUSPEND. Returns the cycles it took, -1 on failure (logged). */
static int32_t dp_suspend(void)
{
    uint32_t t0 = mtime_lo();
    if (dp_quiesce() < 0) return -1;
    uint32_t coal = dev_rd(VDPU_CSR_ENG_COAL);
    if (coal & VDPU_ENG_COAL_CYCLES) dev_wr(VDPU_CSR_ENG_COAL, 1u << VDPU_ENG_COAL_CYCLES_LSB); /* CYCLES 1: every deferred interrupt fires now */
    uint32_t t1 = mtime_lo();
    while (mtime_lo() - t1 < SETTLE_CYCLES) continue;
    int32_t r = dp_quiesce();
    if (coal & VDPU_ENG_COAL_CYCLES) dev_wr(VDPU_CSR_ENG_COAL, coal); /* nothing is deferred any more */
    return r < 0 ? -1 : (int32_t)(mtime_lo() - t0);
}

/* What waited for the resume: the link change (applied now: the configuration space did not change
 * while suspended), the config interrupt, then (after the pop) the control queue. */
static void link_apply(bool changed);

/* The pending bits a restored state carried (MSIX_PENDING): each vector's message raised again through a
 * source that uses it - a queue with that vector, else the config vector - while the restored table
 * still masks it, so it lands in the PBA as it was and goes out at the unmask. A vector no source uses
 * any more has nothing to deliver. */
static void msix_owed_raise(void)
{
    uint32_t owed = fw.msix_owed;
    fw.msix_owed = 0;
    unsigned numq = dev_rd(VDPU_CSR_NUMQ);
    for (unsigned v = 0; owed && v < VDPU_NUM_VECTORS; v++) {
        if (!(owed & 1u << v)) continue;
        owed &= ~(1u << v);
        unsigned src = VDPU_NUM_QUEUES;
        for (unsigned q = 0; q < numq && src == VDPU_NUM_QUEUES; q++) {
            dev_qsel(q);
            if (dev_rd(VDPU_CSR_Q_MSIX) == v) src = q;
        }
        if (src < VDPU_NUM_QUEUES) dev_wr(VDPU_CSR_HOST_IRQ, src);
        else if (dev_rd(VDPU_CSR_MSIX_CONFIG) == v) dev_wr(VDPU_CSR_HOST_IRQ, HOST_IRQ_CONFIG);
    }
}

static void resume_owed(void)
{
    if (fw.link_owed) {
        fw.link_owed = fw.cfg_irq_owed = false; /* its config interrupt covers any other one owed */
        link_apply(true);
    }
    if (fw.cfg_irq_owed) {
        fw.cfg_irq_owed = false;
        dev_wr(VDPU_CSR_HOST_IRQ, HOST_IRQ_CONFIG);
    }
    msix_owed_raise();
}

void fw_set_irq_enable(uint32_t v)
{
    fw.irq_enable = v;
    dev_wr(VDPU_CSR_IRQ_ENABLE, v);
}

/* ---- device status ----------------------------------------------------------------------- */

static void device_reset(void)
{
    int32_t drain = dp_quiesce();
    dev_wr(VDPU_CSR_ENG_CTRL, 0);  /* the queue engine stops until the next DRIVER_OK */
    dev_wr(VDPU_CSR_DEV_RESET, 1); /* common cfg, queue contexts, ISR, DEVICE_STATUS = 0 */
    for (unsigned w = 0; w < 4; w++) fw.drv[w] = fw.neg[w] = 0; /* word loops: picolibc's are bytewise */
    fw.features_ok = false;
    fw.status = 0;
    /* nothing of a suspension survives a reset; a stop does: its link change still has to be applied */
    if (!fw.mig_stopped) fw.link_owed = false;
    fw.cfg_irq_owed = fw.ctrlq_owed = false;
    fw.msix_owed = 0;
    dev_wr(VDPU_CSR_CTRLQ, VDPU_CSR_CTRLQ_RESET); /* DEV_RESET leaves it; negotiation sets it again */
    ctrlq_device_reset(); /* RX filter, MAC table, MAC, queue pairs, control ring positions */
    /* An internal error not reported yet arose while this reset waited for the data path - a read the
     * engine gave up on by its completion timeout (docs/queue-engine.md "PCIe faults"): it belongs to
     * the device being reset, and the reset is its recovery, as for one already reported. */
    bool recovered = fw.err_masked || (dev_rd(VDPU_CSR_DP_STATUS) & VDPU_DP_STATUS_ERR);
    if (recovered) {
        /* the reset is the recovery from an internal error: clear the latch, listen again */
        dev_wr(VDPU_CSR_INT_ACK, VDPU_INT_ACK_ERR);
        fw.err_masked = false;
        fw_set_irq_enable(fw.irq_enable | VDPU_IRQ_STATUS_INT_ERR);
    }
    if (!fw.mig_stopped) dev_wr(VDPU_CSR_DP_CTRL, 0); /* stopped: the run un-quiesces */
    ev_pop(); /* only now does the host's read of device_status return 0 */
    if (drain >= 0) VLOG("reset: device_status 0 (data path drained in %" PRId32 " cycles)%s\n", drain,
                         recovered ? ", internal error cleared" : "");
    else VLOG("reset: device_status 0%s\n", recovered ? ", internal error cleared" : "");
}

/* Queues the negotiation leaves out (virtio-net: N = 1 pair without MQ, the control queue only with
 * CTRL_VQ) do not exist for this driver: "The device MUST present a 0 in queue_size if the virtqueue
 * corresponding to the current queue_select is unavailable". Until the reset (DEV_RESET gives every
 * queue QSIZE_MAX again) their size writes are refused. */
void fw_unavailable_queues(void)
{
    unsigned numq = dev_rd(VDPU_CSR_NUMQ);
    for (unsigned q = policy_num_queues(fw.neg, fw.max_qp); q < numq; q++) {
        dev_qsel(q);
        dev_wr(VDPU_CSR_Q_SIZE, 0);
    }
}


/* Start the engine in the ring layout that was negotiated, with indirect tables / event indices etc. if
 * they were. */
void fw_engine_start(void)
{
    bool packed = policy_ring_type(true, fw.neg) == RING_PACKED;
    bool ind = feat_has(fw.neg, F_INDIRECT_DESC), evidx = feat_has(fw.neg, F_EVENT_IDX);
    bool mrg = feat_has(fw.neg, F_NET_MRG_RXBUF), nd = feat_has(fw.neg, F_NOTIFICATION_DATA);
    bool inord = feat_has(fw.neg, F_IN_ORDER), mtu = feat_has(fw.neg, F_NET_MTU);
    dev_wr(VDPU_CSR_ENG_CTRL, 1u << VDPU_ENGCTRL_ENABLE | (uint32_t)packed << VDPU_ENGCTRL_PACKED |
                                  (uint32_t)ind << VDPU_ENGCTRL_INDIRECT | (uint32_t)evidx << VDPU_ENGCTRL_EVENT_IDX |
                                  (uint32_t)mrg << VDPU_ENGCTRL_MRG_RXBUF | (uint32_t)nd << VDPU_ENGCTRL_NOTIF_DATA |
                                  (uint32_t)inord << VDPU_ENGCTRL_IN_ORDER | (uint32_t)mtu << VDPU_ENGCTRL_MTU);
    VLOG("driver ok: queue engine on (%s ring%s%s%s%s%s)\n", packed ? "packed" : "split", ind ? ", indirect" : "",
         evidx ? ", event idx" : "", mrg ? ", mergeable rx buffers" : "", nd ? ", notification data" : "",
         inord ? ", in order" : "");
}

static void on_status(uint32_t data)
{
    uint8_t req = (uint8_t)data, old = fw.status;
    if (req == 0) {
        device_reset();
        return;
    }
    struct status_decision d =
        policy_status(old, req, fw.offer, fw.drv, fw.features_ok && feat_has(fw.neg, F_SUSPEND));
    if (d.gained_features_ok) {
        for (unsigned w = 0; w < 4; w++) fw.neg[w] = fw.drv[w];
        fw.features_ok = true;
        /* the control queue's doorbells come to firmware: 2N with N pairs, none without CTRL_VQ */
        dev_wr(VDPU_CSR_CTRLQ, policy_ctrlq(fw.neg, fw.max_qp));
        fw_unavailable_queues();
    }
    int32_t susp = 0;
    if (d.suspend) susp = dp_suspend(); /* before the commit: the driver's status read waits for it */
    if (susp < 0) {
        /* "MUST either suspend itself or set DEVICE_NEEDS_RESET": the data path stays quiesced */
        bool notify = fw_enter_needs_reset();
        ev_pop();
        printf("suspend failed (data path not quiesced): status 0x%02x -> 0x%02x (DEVICE_NEEDS_RESET)%s\n", old,
               fw.status, notify ? ", config interrupt" : "");
        return;
    }
    /* running again before DRIVER_OK shows - unless the hypervisor stopped the device meanwhile: then
     * the driver sees its resume, and the data path and what is owed wait for the run */
    bool run = d.resume && !fw.mig_stopped;
    if (run && !fw.err_masked) dev_wr(VDPU_CSR_DP_CTRL, 0);
    dev_wr(VDPU_CSR_DEVICE_STATUS, d.commit);
    fw.status = d.commit;
    if (run) resume_owed();
    ev_pop();

    VLOG("status 0x%02x -> 0x%02x\n", req, d.commit);
    for (unsigned i = 0; i < STR_COUNT; i++)
        if (d.refused & (1u << i))
            printf("status 0x%02x refused (0x%02x kept): %s\n", req, d.commit, policy_status_reason_name(i));
    if (d.refused & STR_FEATOK_REFUSED) {
        if (d.feat.verdict == FEAT_MISSING_DEP)
            printf("features refused: bit %u needs bit %u\n", d.feat.bit, d.feat.dep);
        else
            printf("features refused: bit %u %s\n", d.feat.bit, policy_feat_verdict_name(d.feat.verdict));
    }
    if (d.gained_features_ok)
        VLOG("features ok: 0x%08" PRIx32 "%08" PRIx32 ", %s ring, %u queues, control queue %u\n", fw.neg[1],
             fw.neg[0], ring_name(policy_ring_type(true, fw.neg)), policy_num_queues(fw.neg, fw.max_qp),
             (unsigned)policy_ctrlq(fw.neg, fw.max_qp));
    if (d.suspend) VLOG("suspended: data path quiesced, interrupts delivered in %" PRId32 " cycles\n", susp);
    if (d.resume) {
        VLOG("resumed%s\n", run ? "" : " (stopped by the hypervisor: the data path waits for the run)");
        if (run && fw.ctrlq_owed) { /* popped already, as for a doorbell */
            fw.ctrlq_owed = false;
            ctrlq_notify(dev_rd(VDPU_CSR_CTRLQ));
        }
    }
    if (d.gained_driver_ok) fw_engine_start(); /* the device may use the queues only from DRIVER_OK on */
}

static void on_drv_feature(unsigned sel, uint32_t data)
{
    /* the driver must not change features after FEATURES_OK: keep the negotiated snapshot */
    bool late = fw.features_ok || (fw.status & ST_FEATURES_OK);
    if (!late && sel < 4) fw.drv[sel] = data;
    ev_pop();
    if (sel >= 4) printf("driver features[%u] ignored: no such word\n", sel);
    else if (late) printf("driver features[%u] = 0x%08" PRIx32 " after FEATURES_OK: ignored\n", sel, data);
    else VLOG("driver features[%u] = 0x%08" PRIx32 "\n", sel, data);
}

static void on_msix_config(uint32_t data)
{
    uint16_t v = policy_vector(data, VDPU_NUM_VECTORS);
    dev_wr(VDPU_CSR_MSIX_CONFIG, v);
    ev_pop();
    if (v != data && data != NO_VECTOR)
        printf("config vector %" PRIu32 " refused: %u vectors (NO_VECTOR)\n", data, VDPU_NUM_VECTORS);
    else VLOG("config vector %u\n", v);
}

/* ---- queues ------------------------------------------------------------------------------ */

static void on_q_size(unsigned q, uint32_t data)
{
    dev_qsel(q);
    bool enabled = dev_rd(VDPU_CSR_Q_ENABLE) & 1;
    enum q_verdict r = policy_queue_size(data, fw.features_ok, fw.neg, fw.max_qp, q, VDPU_QSIZE_MAX, enabled);
    if (r == Q_OK) dev_wr(VDPU_CSR_Q_SIZE, data);
    ev_pop();
    if (r != Q_OK) printf("queue %u size %" PRIu32 " refused: %s\n", q, data, policy_q_verdict_name(r));
    else VLOG("queue %u size %" PRIu32 "\n", q, data);
}

static void on_q_msix(unsigned q, uint32_t data)
{
    uint16_t v = policy_vector(data, VDPU_NUM_VECTORS);
    dev_qsel(q);
    dev_wr(VDPU_CSR_Q_MSIX, v);
    ev_pop();
    if (v != data && data != NO_VECTOR)
        printf("queue %u vector %" PRIu32 " refused: %u vectors (NO_VECTOR)\n", q, data, VDPU_NUM_VECTORS);
    else VLOG("queue %u vector %u\n", q, v);
}

static uint64_t rd64(uint32_t lo, uint32_t hi) { return (uint64_t)dev_rd(hi) << 32 | dev_rd(lo); }

static void on_q_enable(unsigned q, uint32_t data)
{
    dev_qsel(q);
    struct queue_view v = {
        .size = (uint16_t)dev_rd(VDPU_CSR_Q_SIZE),
        .enabled = dev_rd(VDPU_CSR_Q_ENABLE) & 1,
        .desc = rd64(VDPU_CSR_Q_DESC_LO, VDPU_CSR_Q_DESC_HI),
        .driver = rd64(VDPU_CSR_Q_AVAIL_LO, VDPU_CSR_Q_AVAIL_HI),
        .device = rd64(VDPU_CSR_Q_USED_LO, VDPU_CSR_Q_USED_HI),
    };
    enum q_verdict r = policy_queue_enable(data, fw.status, fw.features_ok, fw.neg, fw.max_qp, q, &v, VDPU_QSIZE_MAX);
    if (r == Q_OK && !v.enabled) {
        dev_wr(VDPU_CSR_Q_ENABLE, 1);
        dev_wr(VDPU_CSR_Q_RESET, 0); /* a queue reset ends when the queue is enabled again */
        if (q == dev_rd(VDPU_CSR_CTRLQ)) ctrlq_ring_reset(); /* firmware walks this ring itself */
    }
    ev_pop();
    if (r != Q_OK) printf("queue %u enable %" PRIu32 " refused: %s\n", q, data, policy_q_verdict_name(r));
    else VLOG("queue %u enabled size %u %s\n", q, v.size, ring_name(policy_ring_type(true, fw.neg)));
}

static void on_q_reset(unsigned q, uint32_t data)
{
    enum q_verdict r = policy_queue_reset(data, fw.features_ok, fw.neg, fw.max_qp, q);
    if (r == Q_OK) {
        (void)dp_quiesce(); /* no DMA may still target the ring when the driver sees the reset */
        dev_qsel(q);
        /* The reset completes before the event is popped, and the host's read of queue_reset is
         * held until then, so the driver sees 1 never and 0 (with queue_enable 0) once done, as
         * the current spec requires. The queue returns to its reset defaults, like a device
         * reset does for it; the driver programs it again before re-enabling. */
        dev_wr(VDPU_CSR_Q_ENABLE, 0);
        dev_wr(VDPU_CSR_Q_RESET, 0);
        dev_wr(VDPU_CSR_Q_SIZE, VDPU_QSIZE_MAX);
        dev_wr(VDPU_CSR_Q_MSIX, 0xFFFF);
        dev_wr(VDPU_CSR_Q_DESC_LO, 0);
        dev_wr(VDPU_CSR_Q_DESC_HI, 0);
        dev_wr(VDPU_CSR_Q_AVAIL_LO, 0);
        dev_wr(VDPU_CSR_Q_AVAIL_HI, 0);
        dev_wr(VDPU_CSR_Q_USED_LO, 0);
        dev_wr(VDPU_CSR_Q_USED_HI, 0);
        if (q == dev_rd(VDPU_CSR_CTRLQ)) ctrlq_ring_reset();
        dp_resume();
    }
    ev_pop();
    if (r != Q_OK) printf("queue %u reset %" PRIu32 " refused: %s\n", q, data, policy_q_verdict_name(r));
    else VLOG("queue %u reset\n", q);
}

/* Control-queue doorbell: popped first (host status reads are not held while firmware walks the
 * ring), then every available command is executed (fw/ctrlq.c). The value written is not needed:
 * firmware reads the ring itself. */
static void on_notify(unsigned q, uint32_t data)
{
    (void)data;
    ev_pop();
    if (policy_suspended(fw.status)) { /* the driver must not notify a suspended device: remembered */
        fw.ctrlq_owed = true;
        printf("control queue %u doorbell while suspended: served at the resume\n", q);
        return;
    }
    if (fw.mig_stopped) { /* "MUST accept driver notifications": remembered (the driver does not know) */
        fw.ctrlq_owed = true;
        VLOG("control queue %u doorbell while stopped: served at the run\n", q);
        return;
    }
    ctrlq_notify(q);
}

/* ---- migration: the hypervisor's stop and run (MIG region, docs/migration.md) -------------------- */

/* Status values of the virtio admin commands (errno numbers), which MIG_STATUS[15:8] reports */
#define MIG_OK 0u
#define MIG_EBUSY 16u
#define MIG_EINVAL 22u

static void mig_commit(uint8_t code)
{
    fw.mig_seq++;
    dev_wr(VDPU_CSR_MIG_STATUS, (uint32_t)fw.mig_seq << VDPU_MIG_STATUS_SEQ_LSB |
                                    (uint32_t)code << VDPU_MIG_STATUS_CODE_LSB |
                                    (uint32_t)(code != MIG_OK) << VDPU_MIG_STATUS_ERROR_LSB |
                                    (uint32_t)fw.mig_stopped << VDPU_MIG_STATUS_STOPPED_LSB);
}

/* DEV_MODE_SET's semantics without its transport (virtio admin-cmds-device-parts.tex): stop = no
 * transport request of the device's own - the data path quiesced at a buffer boundary with every
 * consumed buffer used and every interrupt owed delivered (dp_suspend, as for SUSPEND), then no DMA and
 * no interrupt; driver notifications accepted and remembered, config writes applied, the link change
 * and config interrupts owed until the run. device_status does not change: the driver cannot tell.
 * Stop while stopped and run while running succeed; a failed command changes nothing. The result is
 * committed before the pop, so the host's held read of MIG STATUS returns it. */
/* LOG_ON's settings, from state window dwords 0..5 {bytemap lo, hi, range lo, hi, pages, page shift}:
 * the dirty page log on (docs/migration.md "Dirty page log"). 0, or -1 with the reason. */
static int log_on(const char **why)
{
    uint32_t set[6];
    dev_wr(VDPU_CSR_MIG_RAM_IDX, 0);
    for (unsigned i = 0; i < 6; i++) {
        set[i] = dev_rd(VDPU_CSR_MIG_RAM_DATA);
        dev_wr(VDPU_CSR_MIG_RAM_IDX, i + 1);
    }
    uint32_t pages = set[4], shift = set[5];
    if (shift < 12 || shift > 21) return *why = "page shift outside 12..21", -1;
    if (!pages) return *why = "no pages to track", -1;
    dev_wr(VDPU_CSR_LOG_CTRL, shift << VDPU_LOG_CTRL_SHIFT_LSB); /* off while it is set up */
    dev_wr(VDPU_CSR_LOG_BASE_LO, set[0]);
    dev_wr(VDPU_CSR_LOG_BASE_HI, set[1]);
    dev_wr(VDPU_CSR_LOG_RANGE_LO, set[2]);
    dev_wr(VDPU_CSR_LOG_RANGE_HI, set[3]);
    dev_wr(VDPU_CSR_LOG_PAGES, pages);
    dev_wr(VDPU_CSR_LOG_STATUS, VDPU_LOG_STATUS_OOR);
    dev_wr(VDPU_CSR_LOG_CTRL, VDPU_LOG_CTRL_EN | shift << VDPU_LOG_CTRL_SHIFT_LSB);
    return 0;
}

static void on_mig_ctrl(uint32_t data)
{
    const uint32_t ops = VDPU_MIG_CTRL_GET | VDPU_MIG_CTRL_SET | VDPU_MIG_CTRL_LOG_ON | VDPU_MIG_CTRL_LOG_OFF;
    bool stop = data & VDPU_MIG_CTRL_STOP;
    uint32_t op = data & ops;
    /* one operation per command; STATE_GET and STATE_SET happen in stopped mode (bit 0 set) */
    if ((data & ~(ops | VDPU_MIG_CTRL_STOP)) || (op & (op - 1)) ||
        ((op & (VDPU_MIG_CTRL_GET | VDPU_MIG_CTRL_SET)) && !stop)) {
        mig_commit(MIG_EINVAL);
        ev_pop();
        printf("migration command 0x%08" PRIx32 " refused: reserved bits, several operations, or a state command "
               "without STOP (EINVAL)\n", data);
        return;
    }
    /* the mode first: a stop quiesces before the operation, a run restarts after the pop */
    bool was = fw.mig_stopped;
    int32_t quiesced = -1;
    bool ran = false;
    if (stop && !fw.mig_stopped) {
        /* a suspended device is quiesced and has delivered what it owed already */
        quiesced = policy_suspended(fw.status) ? 0 : dp_suspend();
        if (quiesced < 0) {
            dp_resume();
            mig_commit(MIG_EBUSY);
            ev_pop();
            printf("migration stop failed: data path not quiesced (EBUSY), the device keeps running\n");
            return;
        }
        fw.mig_stopped = true;
    } else if (!stop && fw.mig_stopped) {
        fw.mig_stopped = false;
        ran = !policy_suspended(fw.status); /* else the driver's resume restarts the data path */
        if (ran) {
            if (!fw.err_masked) dev_wr(VDPU_CSR_DP_CTRL, 0);
            resume_owed();
        }
    }
    uint8_t code = MIG_OK;
    const char *why = "";
    uint32_t len = 0;
    switch (op) {
    case VDPU_MIG_CTRL_GET:
        len = migstate_get();
        dev_wr(VDPU_CSR_MIG_DATA, len);
        break;
    case VDPU_MIG_CTRL_SET:
        if (migstate_set(&why)) code = MIG_EINVAL;
        break;
    case VDPU_MIG_CTRL_LOG_ON:
        if (log_on(&why)) code = MIG_EINVAL;
        break;
    case VDPU_MIG_CTRL_LOG_OFF:
        dev_wr(VDPU_CSR_LOG_CTRL, dev_rd(VDPU_CSR_LOG_CTRL) & ~VDPU_LOG_CTRL_EN);
        dev_wr(VDPU_CSR_MIG_DATA, dev_rd(VDPU_CSR_LOG_STATUS));
        break;
    default: break;
    }
    mig_commit(code);
    ev_pop();
    if (quiesced >= 0) VLOG("migration: stopped (data path quiesced, interrupts delivered in %" PRId32 " cycles)\n", quiesced);
    if (!stop && was) VLOG("migration: running%s\n", ran ? "" : " (the driver's SUSPEND still holds the data path)");
    if (stop == was && !op) VLOG("migration: %s already\n", stop ? "stopped" : "running");
    if (op == VDPU_MIG_CTRL_GET) VLOG("migration: state saved (%" PRIu32 " bytes)\n", len);
    if (op == VDPU_MIG_CTRL_SET) {
        if (code) printf("migration state refused (EINVAL, nothing applied): %s\n", why);
        else VLOG("migration: state restored (device_status 0x%02x)\n", fw.status);
    }
    if (op == VDPU_MIG_CTRL_LOG_ON) {
        if (code) printf("migration dirty page log refused (EINVAL): %s\n", why);
        else VLOG("migration: dirty page log on\n");
    }
    if (op == VDPU_MIG_CTRL_LOG_OFF) VLOG("migration: dirty page log off\n");
    if (ran && fw.ctrlq_owed) { /* popped already, as for a doorbell */
        fw.ctrlq_owed = false;
        ctrlq_notify(dev_rd(VDPU_CSR_CTRLQ));
    }
}

/* ---- interrupt sources ------------------------------------------------------------------- */

static void service_event(void)
{
    uint32_t info = dev_rd(VDPU_CSR_EV_HEAD_INFO), data = dev_rd(VDPU_CSR_EV_HEAD_DATA);
    unsigned kind = info & 0xFF, q = (info >> 8) & 0xFFFF;
    popped = false;
    bool queue_kind = kind >= VDPU_EV_Q_SIZE && kind <= VDPU_EV_Q_RESET;
    if (queue_kind && q >= VDPU_NUM_QUEUES) {
        ev_pop();
        printf("event %u for queue %u: no such queue, dropped\n", kind, q);
        return;
    }
    switch (kind) {
    case VDPU_EV_STATUS: on_status(data); break;
    case VDPU_EV_DRV_FEATURE: on_drv_feature(q, data); break;
    case VDPU_EV_MSIX_CONFIG: on_msix_config(data); break;
    case VDPU_EV_Q_SIZE: on_q_size(q, data); break;
    case VDPU_EV_Q_MSIX: on_q_msix(q, data); break;
    case VDPU_EV_Q_ENABLE: on_q_enable(q, data); break;
    case VDPU_EV_Q_RESET: on_q_reset(q, data); break;
    case VDPU_EV_NOTIFY: on_notify(q, data); break;
    case VDPU_EV_MIG_CTRL: on_mig_ctrl(data); break;
    default:
        ev_pop();
        printf("unknown event kind %u (info 0x%08" PRIx32 "): dropped\n", kind, info);
        break;
    }
    ev_pop();
}

/* Net status from the sampled link level. `changed`: the link changed while the device was suspended,
 * so the driver is told (generation and config interrupt) even if the level ended where it started. */
static void link_apply(bool changed)
{
    bool up = dev_rd(VDPU_CSR_LINK_STATE) & VDPU_LINK_STATE_UP;
    uint16_t cur = (uint16_t)dev_rd(VDPU_CSR_NET_STATUS), next = policy_net_status(cur, up);
    if (next == cur && !changed) {
        VLOG("link %s (unchanged)\n", up ? "up" : "down");
        return;
    }
    config_change_begin();
    dev_wr(VDPU_CSR_NET_STATUS, next);
    uint8_t gen = config_change_end();
    bool notify = policy_link_notify(fw.status);
    if (notify) dev_wr(VDPU_CSR_HOST_IRQ, HOST_IRQ_CONFIG);
    VLOG("link %s: net status 0x%x, config generation %u%s\n", up ? "up" : "down", next, gen,
         notify ? ", config interrupt" : "");
}

static void on_link_change(void)
{
    /* acknowledge before sampling: a change after the sample raises the interrupt again */
    dev_wr(VDPU_CSR_INT_ACK, VDPU_INT_ACK_LINK);
    if (fw_paused()) { /* the configuration space stays as it is until the resume or the run */
        fw.link_owed = true;
        VLOG("link change while %s: applied at the %s\n", fw.mig_stopped ? "stopped" : "suspended",
             fw.mig_stopped ? "run" : "resume");
        return;
    }
    link_apply(false);
}

static void on_internal_error(void)
{
    uint8_t old = fw.status;
    bool notify = fw_enter_needs_reset();
    dev_wr(VDPU_CSR_INT_ACK, VDPU_INT_ACK_ERR);
    /* one report per reset is enough; a still-asserted error would otherwise re-interrupt forever */
    fw.err_masked = true;
    fw_set_irq_enable(fw.irq_enable & ~VDPU_IRQ_STATUS_INT_ERR);
    printf("internal data-path error: status 0x%02x -> 0x%02x (DEVICE_NEEDS_RESET)%s\n", old, fw.status,
           notify ? ", config interrupt" : "");
}

static void on_overflow(void)
{
    dev_wr(VDPU_CSR_EV_CTRL, VDPU_EV_CTRL_CLR_OVF);
    /* the device stores driver_feature writes even when their event is dropped */
    bool resync = !fw.features_ok && !(fw.status & ST_FEATURES_OK);
    if (resync)
        for (unsigned w = 0; w < 4; w++) fw.drv[w] = dev_rd(VDPU_CSR_DRV_FEATURE0 + 4 * w);
    printf("event FIFO overflow: host policy writes were dropped%s\n", resync ? " (driver features re-read)" : "");
}

void fw_service(void)
{
    for (;;) {
        uint32_t irq = dev_rd(VDPU_CSR_IRQ_STATUS) & fw.irq_enable;
        if (!irq) return;
        if (irq & VDPU_IRQ_STATUS_INT_ERR) on_internal_error();
        if (irq & VDPU_IRQ_STATUS_LINK) on_link_change();
        /* a held read (VDPU_IRQ_STATUS_HELD) is released by draining the FIFO, which this does */
        uint32_t n = dev_rd(VDPU_CSR_EV_COUNT);
        if (n & VDPU_EV_COUNT_OVERFLOW) on_overflow();
        for (n &= VDPU_EV_COUNT_COUNT; n; n--) service_event();
    }
}
