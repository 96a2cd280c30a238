/* evq.c - the event FIFO carrying host policy writes to firmware (push by host, pop by EV_CTRL). */
#include "model.h"

/*
 * Push and pop may happen at the same edge; both are decided on the
 * pre-edge count, so a full FIFO refuses the push even while firmware pops,
 * and an empty FIFO ignores the pop even while the host pushes. The host
 * block runs first and never moves the head, so the two compose on `next`.
 *
 * The completer holds a pushing write while the FIFO is full (see
 * completer.c), so a push only finds it full when that hold timed out: the
 * event is then dropped and flagged.
 */

void model_evq_push(struct vdpu_edge *e, uint8_t kind, uint16_t queue, uint32_t data, uint64_t bar_off)
{
    const struct vdpu_state *s = e->pre;
    struct vdpu_state *n = e->next;

    e->ev_req = true;
    if (s->evq_count >= VDPU_EVQ_DEPTH) {
        n->evq_overflow = true;
        model_diag(e, VDPU_DIAG_EVQ_OVERFLOW, bar_off);
        return;
    }
    struct vdpu_event *ev = &n->evq[(s->evq_head + s->evq_count) % VDPU_EVQ_DEPTH];
    ev->kind = kind;
    ev->queue = queue;
    ev->data = data;
    n->evq_gen++; /* copied on change (model_tick) */
    n->evq_count++;
}

void model_evq_pop(struct vdpu_edge *e)
{
    struct vdpu_state *n = e->next;

    if (e->pre->evq_count == 0) return;
    n->evq_head = (uint8_t)((n->evq_head + 1) % VDPU_EVQ_DEPTH);
    n->evq_count--;
}

uint32_t model_evq_head_info(const struct vdpu_state *s)
{
    if (s->evq_count == 0) return 0;
    const struct vdpu_event *ev = &s->evq[s->evq_head];
    return (uint32_t)ev->queue << VDPU_EV_HEAD_INFO_QUEUE_LSB | (uint32_t)ev->kind << VDPU_EV_HEAD_INFO_KIND_LSB;
}

uint32_t model_evq_head_data(const struct vdpu_state *s)
{
    return s->evq_count ? s->evq[s->evq_head].data : 0;
}
