/* session.h - one simulation: engine + bus + host memory + firmware role, built from options. */
#ifndef VDPU_SESSION_H
#define VDPU_SESSION_H

#include "bus.h"
#include "elf_load.h"
#include "fw_soc.h"
#include "fwrole.h"
#include "host_mem.h"
#include "pci_enum.h"

#define VDPU_HOST_RAM_BASE 0x0ull
#define VDPU_HOST_RAM_SIZE (16ull << 20)
#define VDPU_MMIO_BASE 0x1000000000ull /* 64 GiB: 64-bit BARs are assigned above 4 GiB */

enum vdpu_engine { VDPU_ENGINE_MODEL, VDPU_ENGINE_RTL, VDPU_ENGINE_COSIM };

struct vdpu_opts {
    enum vdpu_engine engine;
    uint64_t seed;
    const char *wave;
    uint64_t wave_from, wave_to;
    FILE *trace;        /* per-transaction trace, or NULL */
    int fault;          /* enum vdpu_model_fault (test-only) */
    bool fw_auto;       /* built-in pass-through firmware services events (when fw_path is NULL) */
    const char *rerun;  /* command line to reproduce (cosim report) */

    /* control plane */
    const char *fw_path;   /* firmware ELF run on the embedded CPU; NULL: the built-in firmware role */
    uint32_t features[4];  /* offered device features */
    uint8_t mac[6];
    uint16_t mtu, max_qp;
    bool link_up;          /* initial link level */
    bool fw_verbose;       /* firmware prints one console line per control-plane step */
    FILE *fw_console;      /* where "[fw]" lines go (default stdout) */
    FILE *fw_trace;        /* per-instruction trace of the embedded CPU, or NULL */
    unsigned prefetch, used_batch; /* queue-engine parameters (1..ENG_PARAM_MAX), programmed by the firmware */
    unsigned coal_frames, coal_cycles; /* interrupt coalescing (ENG_COAL; cycles 0: off), likewise */
    unsigned max_reads;    /* TX payload reads outstanding per descriptor, one read tag each (1..ENG_MAX_READS, ENG_PARAM[14:8]), likewise */
    unsigned tx_fetch;     /* TX (packed, split IN_ORDER): frames whose payload is read together (1..ENG_PARAM_MAX, ENG_PARAM[18:15]), likewise */

    /* host memory: the heap RAM the session creates, the window the firmware lets the data path
     * touch (HOSTMEM_*), and where MSI-X messages go (the harness programs the MSI-X table) */
    uint64_t ram_base, ram_size;       /* default VDPU_HOST_RAM_* (size 0: no RAM region) */
    uint64_t window_base, window_size; /* default the RAM */
    uint64_t msi_base;                 /* default VDPU_MSI_BASE */
    bool no_skip;                      /* evaluate every cycle, even quiet ones (--no-skip) */
    uint32_t wire_mbps;                /* the network port's wire rate, Mbit/s (--wire-gbps; 0: unlimited) */
    struct link_faults pcie_faults;    /* PCIe faults the link injects (--pcie-fault); `random` is
                                        * drawn from the seed when the session opens */
};

typedef struct vdpu_session {
    struct vdpu_opts opts;
    vdpu_dev_t *dev;
    host_mem_t mem;
    vdpu_bus_t bus;
    fwrole_t fw;           /* built-in firmware role (also the CSR master of tests) */
    fw_soc_t *soc;         /* the embedded CPU running real firmware, when opts.fw_path is set */
    struct elf_image fw_img;
    vdpu_pci_info_t pci;
} vdpu_session_t;

/* The firmware ELF next to the simulator binary (build/fw/vdpu-fw.elf), or NULL if absent. */
const char *vdpu_default_fw_path(void);

/* Everything vdpu_session_open checks of a firmware ELF (loadable into the TCMs, a vdpu_fw_config of
 * the right size, magic and version), before anything runs: 0, or -1 with a one-line reason. */
int vdpu_fw_probe(const char *path, char *err, size_t errlen);

void vdpu_opts_default(struct vdpu_opts *o);
const char *vdpu_engine_name(enum vdpu_engine e);
bool vdpu_engine_parse(const char *s, enum vdpu_engine *e);
vdpu_dev_t *vdpu_engine_create(const struct vdpu_opts *o);
/* 0 on success; -1 with a one-line error on stderr. */
int vdpu_session_open(vdpu_session_t *s, const struct vdpu_opts *o);
/* Live migration's destination (sim/host/mig.c): a freshly reset device of engine e in place of this one,
 * with the same firmware ELF booted on a new embedded CPU; host memory, link, network port, monitor and
 * the cycle count carry on, the old device and its CPU are gone. Needs the real firmware. 0, or -1 with a
 * one-line reason in err (on a failure after the old device is gone the session is unusable). */
int vdpu_session_replace_device(vdpu_session_t *s, enum vdpu_engine e, char *err, size_t errlen);
/* End-of-run checks (cosim leftovers); true when the run is clean. */
bool vdpu_session_finish(vdpu_session_t *s);
void vdpu_session_close(vdpu_session_t *s);

#endif
