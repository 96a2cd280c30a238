/* cosim.c - lockstep co-simulation engine: RTL drives, the model shadows, outputs compared per channel. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "txn.h"
#include "vdpu_dev.h"

#define COSIM_QDEPTH 64
#define COSIM_HIST 8
/* Transactions one side may run ahead before it is a mismatch. The register path is cycle-exact
 * (timing is compared too); the slack only bounds how long a missing transaction can go unseen. */
#define COSIM_SLACK 16

struct chq {
    vdpu_txn_t q[COSIM_QDEPTH];
    unsigned head, n;
};

typedef struct cosim {
    vdpu_dev_t dev;
    vdpu_dev_t *rtl, *model;
    vdpu_out_t rtl_out, model_out;
    struct chq exp[VDPU_CH_COUNT], act[VDPU_CH_COUNT];
    uint16_t irq_prev_rtl, irq_prev_model;
    vdpu_txn_t hist[COSIM_HIST];
    unsigned hist_n;
    uint64_t compared;
    uint64_t seed; /* from here on: not part of a checkpoint */
    char *rerun; /* the whole command line, however long */
} cosim_t;

/* channels whose contents the device produces (inputs are identical by construction) */
static bool is_output(unsigned ch)
{
    return ch == VDPU_CH_HCPL || ch == VDPU_CH_DMAREQ || ch == VDPU_CH_FWRSP || ch == VDPU_CH_DIAG ||
           ch == VDPU_CH_IRQ || ch == VDPU_CH_NTX;
}

static void push(struct chq *q, const vdpu_txn_t *t)
{
    if (q->n == COSIM_QDEPTH) return; /* caught by the slack check before it can happen */
    q->q[(q->head + q->n) % COSIM_QDEPTH] = *t;
    q->n++;
}

static vdpu_txn_t pop(struct chq *q)
{
    vdpu_txn_t t = q->q[q->head];
    q->head = (q->head + 1) % COSIM_QDEPTH;
    q->n--;
    return t;
}

static void remember(cosim_t *c, const vdpu_txn_t *t)
{
    c->hist[c->hist_n % COSIM_HIST] = *t;
    c->hist_n++;
}

static void report(cosim_t *c, unsigned ch, const vdpu_txn_t *exp, const vdpu_txn_t *act, const char *what)
{
    char s[256];
    uint64_t cyc = c->dev.cycle;
    fprintf(stderr, "cosim: MISMATCH at cycle %llu on channel %s: %s\n", (unsigned long long)cyc,
            ch < VDPU_CH_COUNT ? vdpu_chan_names[ch] : "status outputs (quiet, wake, nrx_frames)", what);
    if (exp) {
        vdpu_txn_format(exp, s, sizeof s);
        fprintf(stderr, "  expected (model, cycle %llu): %s\n", (unsigned long long)exp->cycle, s);
    } else {
        fprintf(stderr, "  expected (model): nothing\n");
    }
    if (act) {
        vdpu_txn_format(act, s, sizeof s);
        fprintf(stderr, "  actual   (rtl,   cycle %llu): %s\n", (unsigned long long)act->cycle, s);
    } else {
        fprintf(stderr, "  actual   (rtl):   nothing\n");
    }
    fprintf(stderr, "  last transactions before it:\n");
    unsigned n = c->hist_n < COSIM_HIST ? c->hist_n : COSIM_HIST;
    for (unsigned i = c->hist_n - n; i < c->hist_n; i++) {
        vdpu_txn_format(&c->hist[i % COSIM_HIST], s, sizeof s);
        fprintf(stderr, "    cyc=%llu %s\n", (unsigned long long)c->hist[i % COSIM_HIST].cycle, s);
    }
    fprintf(stderr, "  seed: %llu; transactions compared before it: %llu\n", (unsigned long long)c->seed,
            (unsigned long long)c->compared);
    uint64_t from = cyc > 200 ? cyc - 200 : 0;
    fprintf(stderr, "  waves: %s --wave mismatch.fst --wave-from %llu --wave-to %llu\n", c->rerun,
            (unsigned long long)from, (unsigned long long)(cyc + 20));
    c->dev.failed = true;
}

static void cosim_eval(vdpu_dev_t *d, vdpu_out_t *out)
{
    cosim_t *c = (cosim_t *)d;
    vdpu_dev_eval(c->rtl, &c->rtl_out);
    vdpu_dev_eval(c->model, &c->model_out);
    *out = c->rtl_out;
}

static void compare_queues(cosim_t *c)
{
    for (unsigned ch = 0; ch < VDPU_CH_COUNT && !c->dev.failed; ch++) {
        struct chq *e = &c->exp[ch], *a = &c->act[ch];
        while (e->n && a->n) {
            vdpu_txn_t te = pop(e), ta = pop(a);
            if (!vdpu_txn_equal(&te, &ta)) {
                report(c, ch, &te, &ta, "fields differ");
                return;
            }
            /* model and RTL are cycle-identical on every channel the device has today */
            if (te.cycle != ta.cycle) {
                report(c, ch, &te, &ta, "same transaction, different cycle (timing differs)");
                return;
            }
            remember(c, &ta);
            c->compared++;
        }
        if (e->n > COSIM_SLACK) report(c, ch, &e->q[e->head], NULL, "the RTL produced no matching transaction");
        else if (a->n > COSIM_SLACK) report(c, ch, NULL, &a->q[a->head], "the model produced no matching transaction");
    }
}

static void cosim_tick(vdpu_dev_t *d, const vdpu_in_t *in)
{
    cosim_t *c = (cosim_t *)d;
    vdpu_txn_t tr[VDPU_CH_COUNT], tm[VDPU_CH_COUNT];
    if (c->dev.failed) return;
    /* input acceptance must agree, or the model would see a different input stream */
    if (in->hreq_valid && c->rtl_out.hreq_ready != c->model_out.hreq_ready) {
        vdpu_txn_t t = {.cycle = d->cycle, .chan = VDPU_CH_HREQ, .u.hreq = in->hreq};
        fprintf(stderr, "cosim: hreq_ready differs: rtl=%u model=%u\n", c->rtl_out.hreq_ready,
                c->model_out.hreq_ready);
        report(c, VDPU_CH_HREQ, c->model_out.hreq_ready ? &t : NULL, c->rtl_out.hreq_ready ? &t : NULL,
               "request acceptance (hreq_ready) differs");
        return;
    }
    if (in->nrx_valid && c->rtl_out.nrx_ready != c->model_out.nrx_ready) {
        vdpu_txn_t t = {.cycle = d->cycle, .chan = VDPU_CH_NRX, .u.nrx = in->nrx};
        report(c, VDPU_CH_NRX, c->model_out.nrx_ready ? &t : NULL, c->rtl_out.nrx_ready ? &t : NULL,
               "network RX acceptance (nrx_ready) differs");
        return;
    }
    if ((in->fwreq_valid && c->rtl_out.fwreq_ready != c->model_out.fwreq_ready) ||
        (in->dmacpl_valid && c->rtl_out.dmacpl_ready != c->model_out.dmacpl_ready)) {
        vdpu_txn_t t = {.cycle = d->cycle, .chan = in->fwreq_valid ? VDPU_CH_FWREQ : VDPU_CH_DMACPL};
        if (in->fwreq_valid) t.u.fwreq = in->fwreq;
        else t.u.dmacpl = in->dmacpl;
        report(c, t.chan, &t, &t, "request acceptance (fwreq_ready / dmacpl_ready) differs");
        return;
    }
    /* the idle contract decides whether the harness may skip cycles: both must say the same */
    if (c->rtl_out.quiet != c->model_out.quiet) {
        report(c, VDPU_CH_COUNT, NULL, NULL, c->rtl_out.quiet ? "the RTL says quiet, the model does not"
                                                              : "the model says quiet, the RTL does not");
        return;
    }
    /* the RX frames held, which a migrating host waits on */
    if (c->rtl_out.nrx_frames != c->model_out.nrx_frames) {
        char what[96];
        snprintf(what, sizeof what, "RX frames held (nrx_frames) differ: RTL %u, model %u", c->rtl_out.nrx_frames,
                 c->model_out.nrx_frames);
        report(c, VDPU_CH_COUNT, NULL, NULL, what);
        return;
    }
    /* wake is defined while quiet only: the model does not compute it else */
    if (c->rtl_out.quiet && c->rtl_out.wake != c->model_out.wake) {
        char what[96];
        snprintf(what, sizeof what, "timer wake differs: RTL %u, model %u edges", c->rtl_out.wake, c->model_out.wake);
        report(c, VDPU_CH_COUNT, NULL, NULL, what);
        return;
    }
    int nr = vdpu_txn_collect(in, &c->rtl_out, d->cycle, &c->irq_prev_rtl, tr);
    int nm = vdpu_txn_collect(in, &c->model_out, d->cycle, &c->irq_prev_model, tm);
    for (int i = 0; i < nr; i++) {
        if (is_output(tr[i].chan)) push(&c->act[tr[i].chan], &tr[i]);
        else remember(c, &tr[i]);
    }
    for (int i = 0; i < nm; i++)
        if (is_output(tm[i].chan)) push(&c->exp[tm[i].chan], &tm[i]);
    compare_queues(c);
    vdpu_dev_tick(c->rtl, in);
    vdpu_dev_tick(c->model, in);
    if (c->rtl->failed || c->model->failed) c->dev.failed = true;
}

/* Skipped cycles (the harness saw both quiet, the same wake, and nothing pending): neither device
 * changes but for its timers, advanced by the same warp edge. */
static void cosim_skip(vdpu_dev_t *d, uint64_t n, const vdpu_in_t *timers)
{
    cosim_t *c = (cosim_t *)d;
    vdpu_dev_skip(c->rtl, n, timers);
    vdpu_dev_skip(c->model, n, timers);
}

static bool cosim_finish(vdpu_dev_t *d)
{
    cosim_t *c = (cosim_t *)d;
    for (unsigned ch = 0; ch < VDPU_CH_COUNT && !c->dev.failed; ch++) {
        if (c->exp[ch].n) report(c, ch, &c->exp[ch].q[c->exp[ch].head], NULL, "unmatched at end of run");
        else if (c->act[ch].n) report(c, ch, NULL, &c->act[ch].q[c->act[ch].head], "unmatched at end of run");
    }
    return !c->dev.failed;
}

/* Checkpoints: the checker's queues and history, then each engine with its cycle count. */
#define COSIM_CHECKER_FROM offsetof(cosim_t, exp)
#define COSIM_CHECKER_BYTES (offsetof(cosim_t, seed) - COSIM_CHECKER_FROM)

static void cosim_save(vdpu_dev_t *d, const struct vdpu_ckpt_io *io)
{
    cosim_t *c = (cosim_t *)d;
    uint64_t cyc[2] = {c->rtl->cycle, c->model->cycle};
    io->put(io->ctx, "COSM", (const char *)c + COSIM_CHECKER_FROM, COSIM_CHECKER_BYTES);
    io->put(io->ctx, "CCYC", cyc, sizeof cyc);
    c->rtl->ops->save(c->rtl, io);
    c->model->ops->save(c->model, io);
}

static int cosim_load(vdpu_dev_t *d, const struct vdpu_ckpt_io *io)
{
    cosim_t *c = (cosim_t *)d;
    size_t n, m;
    const void *chk = io->get(io->ctx, "COSM", &n);
    const uint64_t *cyc = chk && n == COSIM_CHECKER_BYTES ? io->get(io->ctx, "CCYC", &m) : NULL;
    if (!cyc || m != 2 * sizeof *cyc) return -1;
    memcpy((char *)c + COSIM_CHECKER_FROM, chk, COSIM_CHECKER_BYTES);
    c->rtl->cycle = cyc[0];
    c->model->cycle = cyc[1];
    if (c->rtl->ops->load(c->rtl, io) || c->model->ops->load(c->model, io)) return -1;
    vdpu_out_t out;
    cosim_eval(d, &out);
    return 0;
}

static void cosim_destroy(vdpu_dev_t *d)
{
    cosim_t *c = (cosim_t *)d;
    vdpu_dev_destroy(c->rtl);
    vdpu_dev_destroy(c->model);
    free(c->rerun);
    free(c);
}

static const struct vdpu_dev_ops cosim_ops = {
    .eval = cosim_eval,
    .tick = cosim_tick,
    .destroy = cosim_destroy,
    .finish = cosim_finish,
    .skip = cosim_skip,
    .save = cosim_save,
    .load = cosim_load,
};
/* ... when its RTL model takes no checkpoint (traced, coverage build): neither does the pair */
static const struct vdpu_dev_ops cosim_ops_unsaved = {
    .eval = cosim_eval,
    .tick = cosim_tick,
    .destroy = cosim_destroy,
    .finish = cosim_finish,
    .skip = cosim_skip,
};

vdpu_dev_t *vdpu_cosim_create(vdpu_dev_t *rtl, vdpu_dev_t *model, uint64_t seed, const char *rerun)
{
    cosim_t *c = calloc(1, sizeof *c);
    char *rr = strdup(rerun ? rerun : "vdpu run --engine cosim");
    if (!c || !rr || !rtl || !model) {
        free(c);
        free(rr);
        vdpu_dev_destroy(rtl);
        vdpu_dev_destroy(model);
        return NULL;
    }
    c->dev.ops = rtl->ops->save ? &cosim_ops : &cosim_ops_unsaved;
    c->dev.name = "cosim";
    c->rtl = rtl;
    c->model = model;
    c->seed = seed;
    c->rerun = rr;
    return &c->dev;
}

uint64_t vdpu_cosim_compared(const vdpu_dev_t *d);
uint64_t vdpu_cosim_compared(const vdpu_dev_t *d) { return ((const cosim_t *)d)->compared; }
