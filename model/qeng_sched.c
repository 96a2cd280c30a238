/* qeng_sched.c - the queue engine's scheduler inputs: which queue a pick would take; the model of rtl/vdpu_qeng_sched.sv. */
#include "qeng.h"

/*
 * From pre-edge state (docs/queue-engine.md "Scheduler", "Fairness"), as the RTL block's outputs:
 * rx_go - the waiting frame's receiveq can take it (enabled, not stopped: the RTL's rx_go_o without its
 * frame-waiting term, which every caller tests first); tx_any / tx_pick - round robin, the lowest ready
 * transmitq after the one picked last, else the lowest ready one; tx_other - a ready transmitq other
 * than the one in service. Ready: a transmitq (odd, not the control queue) kicked, enabled and not
 * stopped by a violation. The NOTIFICATION_DATA "ahead" of the candidates (the RTL's pick_ahead_*_o) is
 * qeng_nd_ahead, taken at the buffer start.
 */
static bool tx_ready(const struct vdpu_state *s, unsigned q)
{
    return q != s->ctrlq && s->queue[q].kick && s->queue[q].enable && !(s->eng.qerr >> q & 1u);
}

bool qeng_sched_rx_go(const struct vdpu_state *s, unsigned rxq)
{
    return s->queue[rxq].enable && !(s->eng.qerr >> rxq & 1u);
}

int qeng_sched_tx_pick(const struct vdpu_state *s)
{
    int lowest = -1, after = -1;
    for (unsigned q = 1; q < VDPU_NUM_QUEUES; q += 2) {
        if (!tx_ready(s, q)) continue;
        if (lowest < 0) lowest = (int)q;
        if (after < 0 && q > s->eng.tx_last) after = (int)q;
    }
    return after >= 0 ? after : lowest;
}

bool qeng_sched_tx_any(const struct vdpu_state *s)
{
    for (unsigned q = 1; q < VDPU_NUM_QUEUES; q += 2)
        if (tx_ready(s, q)) return true;
    return false;
}

bool qeng_sched_tx_other(const struct vdpu_state *s, unsigned cur)
{
    for (unsigned q = 1; q < VDPU_NUM_QUEUES; q += 2)
        if (q != cur && tx_ready(s, q)) return true;
    return false;
}
