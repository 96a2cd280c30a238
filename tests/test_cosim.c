/* test_cosim.c - the lockstep checker fails on a wrong model, passes long random runs, digests are stable. */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "randacc.h"
#include "virtio_disc.h"

struct run_result {
    bool clean;
    uint64_t digest, cycles, ntxn, diags;
    unsigned diag_classes; /* distinct diagnostic codes seen */
};

/* enumerate + MSI-X + discovery (+ random accesses) on an engine */
static struct run_result run(enum vdpu_engine e, uint64_t seed, uint64_t accesses, int fault)
{
    struct vdpu_opts o;
    vdpu_session_t s;
    struct run_result r = {0};
    vdpu_opts_default(&o);
    o.engine = e;
    o.seed = seed;
    o.fault = fault;
    o.rerun = "(criterion test)";
    cr_assert_eq(vdpu_session_open(&s, &o), 0);
    int rc = pci_enumerate(&s.bus, VDPU_MMIO_BASE, &s.pci, NULL);
    if (!rc) rc = pci_msix_setup(&s.bus, &s.pci, NULL);
    struct virtio_disc_result vr;
    if (!rc) rc = virtio_discover(&s, &vr, NULL);
    struct randacc_stats st;
    if (!rc && accesses) {
        rc = randacc_run(&s, seed, accesses, &st);
        if (!rc) cr_assert_eq(st.accesses, accesses);
    }
    r.clean = vdpu_session_finish(&s) && rc == 0;
    r.digest = s.bus.digest;
    r.cycles = s.bus.dev->cycle;
    r.ntxn = s.bus.ntxn;
    for (unsigned i = 0; i < VDPU_DIAG_COUNT; i++) {
        r.diags += s.bus.diag_count[i];
        r.diag_classes += s.bus.diag_count[i] != 0;
    }
    vdpu_session_close(&s);
    return r;
}

Test(cosim, detects_wrong_vendor_id)
{
    struct run_result r = run(VDPU_ENGINE_COSIM, 1, 0, VDPU_FAULT_VENDOR_ID);
    cr_assert(!r.clean, "cosim must report the model's wrong vendor ID");
    cr_assert_lt(r.cycles, 200, "and stop at the first mismatch (stopped at %llu)", (unsigned long long)r.cycles);
}

Test(cosim, detects_isr_not_cleared)
{
    struct vdpu_opts o;
    vdpu_session_t s;
    vdpu_opts_default(&o);
    o.fault = VDPU_FAULT_ISR_NOCLEAR;
    o.fw_auto = false;
    o.rerun = "(criterion test)";
    cr_assert_eq(vdpu_session_open(&s, &o), 0);
    cr_assert_eq(pci_enumerate(&s.bus, VDPU_MMIO_BASE, &s.pci, NULL), 0, "enumeration itself is unaffected");
    cr_assert(fw_csr_write(&s.bus, &s.fw, VDPU_CSR_HOST_IRQ, 0)); /* MSI-X off: ISR bit 0 */
    uint64_t v;
    host_mem_rd(&s.bus, s.pci.vcap[3].addr, 1, &v);
    cr_assert(!s.dev->failed, "first ISR read agrees");
    host_mem_rd(&s.bus, s.pci.vcap[3].addr, 1, &v);
    cr_assert(s.dev->failed, "cosim must report the ISR that did not clear on read");
    cr_assert(!vdpu_session_finish(&s));
    vdpu_session_close(&s);
}

Test(cosim, detects_wrong_msix_data)
{
    struct run_result r = run(VDPU_ENGINE_COSIM, 1, 0, VDPU_FAULT_MSIX_DATA);
    cr_assert(!r.clean, "cosim must report a wrong MSI-X message");
}

/* >= 10,000 random legal and illegal accesses per seed, several seeds, zero mismatches */
static void random_seed(uint64_t seed)
{
    struct run_result r = run(VDPU_ENGINE_COSIM, seed, 10000, 0);
    cr_assert(r.clean, "seed %llu: cosim mismatch (rerun: vdpu run --engine cosim --workload random --seed %llu)",
              (unsigned long long)seed, (unsigned long long)seed);
    cr_assert_gt(r.diags, 100, "the random mix must include illegal accesses");
    cr_assert_geq(r.diag_classes, 13, "seed %llu reached only %u of the %u diagnostic classes",
                  (unsigned long long)seed, r.diag_classes, VDPU_DIAG_COUNT - 1);
}
Test(cosim_random, seed_1, .timeout = 600) { random_seed(1); }
Test(cosim_random, seed_2, .timeout = 600) { random_seed(2); }
Test(cosim_random, seed_3, .timeout = 600) { random_seed(3); }
Test(cosim_random, seed_42, .timeout = 600) { random_seed(42); }
Test(cosim_random, seed_20261123, .timeout = 600) { random_seed(20261123); }

Test(digest, same_seed_same_digest_on_every_engine, .timeout = 600)
{
    struct run_result a = run(VDPU_ENGINE_MODEL, 7, 2000, 0);
    struct run_result b = run(VDPU_ENGINE_MODEL, 7, 2000, 0);
    struct run_result c = run(VDPU_ENGINE_RTL, 7, 2000, 0);
    struct run_result d = run(VDPU_ENGINE_MODEL, 8, 2000, 0);
    cr_assert(a.clean && b.clean && c.clean && d.clean);
    cr_assert_eq(a.digest, b.digest, "same seed, same digest");
    cr_assert_eq(a.digest, c.digest, "model and RTL are cycle-identical, so their logs hash the same");
    cr_assert_neq(a.digest, d.digest, "another seed, another log");
}

/* A test double: another device whose completions appear one cycle late. Field-for-field the
 * same transactions, only later: the checker must still call it a mismatch. */
struct late_cpl {
    vdpu_dev_t dev;
    vdpu_dev_t *inner;
    bool pend_valid;
    vdpu_hcpl_t pend;
};

static void late_eval(vdpu_dev_t *d, vdpu_out_t *o)
{
    struct late_cpl *l = (struct late_cpl *)d;
    vdpu_dev_eval(l->inner, o);
    o->hcpl_valid = l->pend_valid;
    o->hcpl = l->pend;
}

static void late_tick(vdpu_dev_t *d, const vdpu_in_t *in)
{
    struct late_cpl *l = (struct late_cpl *)d;
    vdpu_out_t o;
    vdpu_dev_eval(l->inner, &o);
    l->pend_valid = o.hcpl_valid; /* the harness always takes completions: delay them by one edge */
    l->pend = o.hcpl;
    vdpu_in_t i2 = *in;
    i2.hcpl_ready = true;
    vdpu_dev_tick(l->inner, &i2);
}

static void late_destroy(vdpu_dev_t *d)
{
    vdpu_dev_destroy(((struct late_cpl *)d)->inner);
    free(d);
}

static const struct vdpu_dev_ops late_ops = {.eval = late_eval, .tick = late_tick, .destroy = late_destroy};

Test(cosim, detects_a_completion_one_cycle_late)
{
    struct late_cpl *l = calloc(1, sizeof *l);
    cr_assert_not_null(l);
    l->dev.ops = &late_ops;
    l->dev.name = "late";
    l->inner = vdpu_model_create();
    vdpu_dev_t *c = vdpu_cosim_create(&l->dev, vdpu_model_create(), 1, "(criterion test)");
    host_mem_t mem;
    vdpu_bus_t b;
    host_mem_init(&mem);
    vdpu_bus_init(&b, c, &mem);
    uint32_t v;
    host_cfg_read(&b, 0, 4, &v);
    vdpu_bus_run_cycles(&b, 4);
    cr_assert(c->failed, "a completion one cycle late must be a mismatch even with equal fields");
    vdpu_dev_destroy(c);
    host_mem_fini(&mem);
}
