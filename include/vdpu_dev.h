/* vdpu_dev.h - the one device interface the harness drives, for the C model and the RTL alike. */
#ifndef VDPU_DEV_H
#define VDPU_DEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vdpu_regmap.h"

/*
 * A device is a synchronous machine clocked by the harness:
 *   eval(dev, &out)  - outputs of the current cycle; they depend on state
 *                      only (every output is a register), so the harness may
 *                      read them before choosing the inputs of the cycle;
 *   tick(dev, &in)   - one rising clock edge with these inputs sampled.
 * A freshly created device has been reset and its cycle count is 0.
 * Both implementations follow docs/device-behavior.md cycle for cycle.
 */
typedef struct vdpu_dev vdpu_dev_t;

/* Where a device writes its state for a checkpoint and reads it back (sim/harness/ckpt.h): sections,
 * each a 4-character tag and bytes, read back in the order they were written. get returns the next
 * section if it has this tag (its length in *n), else NULL. */
struct vdpu_ckpt_io {
    void *ctx;
    void (*put)(void *ctx, const char tag[4], const void *p, size_t n);
    const void *(*get)(void *ctx, const char tag[4], size_t *n);
};

struct vdpu_dev_ops {
    void (*eval)(vdpu_dev_t *dev, vdpu_out_t *out);
    void (*tick)(vdpu_dev_t *dev, const vdpu_in_t *in);
    void (*destroy)(vdpu_dev_t *dev);
    bool (*finish)(vdpu_dev_t *dev); /* optional end-of-run check (cosim: nothing left unmatched) */
    void (*skip)(vdpu_dev_t *dev, uint64_t n, const vdpu_in_t *timers); /* optional: idle skipping (below) */
    /* optional: checkpoints. save writes every register of the device; load, on a device of the same
     * engine and build, makes it that device again (0, or -1 when the sections do not fit it) */
    void (*save)(vdpu_dev_t *dev, const struct vdpu_ckpt_io *io);
    int (*load)(vdpu_dev_t *dev, const struct vdpu_ckpt_io *io);
};

struct vdpu_dev {
    const struct vdpu_dev_ops *ops;
    const char *name; /* "model" or "rtl" */
    uint64_t cycle;   /* rising edges since reset */
    bool failed;      /* set by an engine that hit a fatal check (cosim mismatch); the harness stops */
};

static inline void vdpu_dev_eval(vdpu_dev_t *d, vdpu_out_t *o) { d->ops->eval(d, o); }
static inline void vdpu_dev_tick(vdpu_dev_t *d, const vdpu_in_t *i) { d->ops->tick(d, i); d->cycle++; }
static inline bool vdpu_dev_finish(vdpu_dev_t *d) { return d->ops->finish ? d->ops->finish(d) : !d->failed; }
static inline void vdpu_dev_destroy(vdpu_dev_t *d) { if (d) d->ops->destroy(d); }
/* Idle skipping: the device's `quiet` output promised that with idle inputs no register changes over
 * the next edges but running timers counting (`wake` edges at most). With no timer running (timers
 * NULL) n such edges are counted without being evaluated; otherwise `timers` are the idle inputs
 * with warp = n - 1 (n <= wake) and one edge stands for the n. The harness keeps the inputs idle
 * and the status levels unchanged over them. */
static inline void vdpu_dev_skip(vdpu_dev_t *d, uint64_t n, const vdpu_in_t *timers)
{
    if (d->ops->skip) d->ops->skip(d, n, timers);
    d->cycle += n;
}

/* Test-only faults injected into the C model, to prove the cosim checker can fail. */
enum vdpu_model_fault {
    VDPU_FAULT_NONE = 0,
    VDPU_FAULT_VENDOR_ID,  /* config reads of the vendor ID return 0x1AF5 */
    VDPU_FAULT_ISR_NOCLEAR, /* ISR reads do not clear */
    VDPU_FAULT_MSIX_DATA,  /* MSI-X messages carry data ^ 1 */
    VDPU_FAULT_NO_VNDR_CAP, /* the list ends at the PCI cfg access capability (no vendor data capability) */
    VDPU_FAULT_VNDR_FOREIGN, /* the vendor data capability's vendor_id reads 0x8086 (another vendor's format) */
};

vdpu_dev_t *vdpu_model_create(void);
void vdpu_model_set_fault(vdpu_dev_t *dev, enum vdpu_model_fault fault);

/* RTL (Verilator) engine. wave: FST path or NULL; window in cycles [from, to). */
struct vdpu_rtl_opts {
    const char *wave;
    uint64_t wave_from;
    uint64_t wave_to; /* 0: until the end */
};
vdpu_dev_t *vdpu_rtl_create(const struct vdpu_rtl_opts *opts);
/* After the engine that wrote it is destroyed: is the wave file a readable FST (the FST writer
 * reports no write error of its own)? 0, or -1 with a one-line reason in err. */
int vdpu_rtl_wave_check(const char *path, char *err, size_t errlen);
/* the first and last clock cycles a wave file holds (tests); -1 if it cannot be read */
int vdpu_rtl_wave_cycles(const char *path, uint64_t *first, uint64_t *last);
/* Bytes of the untraced Verilated design's state (part of a checkpoint's layout signature). */
size_t vdpu_rtl_state_bytes(void);

/* Lockstep co-simulation: the RTL drives the ports, the model shadows it and
 * every output transaction is compared in order per channel. Takes ownership
 * of both devices. seed and rerun (the command line to reproduce, for the
 * mismatch report) are informational. */
vdpu_dev_t *vdpu_cosim_create(vdpu_dev_t *rtl, vdpu_dev_t *model, uint64_t seed, const char *rerun);

#endif
