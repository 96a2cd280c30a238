/* session.c - build an engine and its harness from options. */
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../fw/fw_config.h"
#include "session.h"

void vdpu_opts_default(struct vdpu_opts *o)
{
    memset(o, 0, sizeof *o);
    o->engine = VDPU_ENGINE_COSIM;
    o->seed = 1;
    o->fw_auto = true;
    o->features[0] = VDPU_CSR_DEV_FEATURE0_RESET;
    o->features[1] = VDPU_CSR_DEV_FEATURE1_RESET;
    o->features[2] = VDPU_CSR_DEV_FEATURE2_RESET;
    o->features[3] = VDPU_CSR_DEV_FEATURE3_RESET;
    uint32_t lo = VDPU_CSR_NET_MAC_LO_RESET, hi = VDPU_CSR_NET_MAC_HI_RESET;
    for (int i = 0; i < 4; i++) o->mac[i] = (uint8_t)(lo >> (8 * i));
    o->mac[4] = (uint8_t)hi;
    o->mac[5] = (uint8_t)(hi >> 8);
    o->mtu = VDPU_CSR_NET_MTU_RESET;
    o->max_qp = VDPU_CSR_NET_MAX_QP_RESET;
    o->link_up = true;
    o->fw_console = stdout;
    o->prefetch = VDPU_CSR_ENG_PARAM_RESET & 0xf;
    o->used_batch = (VDPU_CSR_ENG_PARAM_RESET >> 4) & 0xf;
    o->max_reads = 1; /* ENG_PARAM[14:8] resets to 0, which acts as 1 */
    o->tx_fetch = 1;  /* ENG_PARAM[18:15] likewise */
    o->ram_base = o->window_base = VDPU_HOST_RAM_BASE;
    o->ram_size = o->window_size = VDPU_HOST_RAM_SIZE;
    o->msi_base = VDPU_MSI_BASE;
}

const char *vdpu_default_fw_path(void)
{
    static char path[PATH_MAX];
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0) return NULL;
    exe[n] = 0;
    snprintf(path, sizeof path, "%s/fw/vdpu-fw.elf", dirname(exe));
    return access(path, R_OK) == 0 ? path : NULL;
}

/* Load a firmware ELF onto a fresh SoC and find its boot configuration: 0, or -1 with a one-line
 * reason in err (not an ELF, does not fit the TCMs, no vdpu_fw_config of the right size, magic or
 * version). *cfg_addr gets the object's address and *cfg its initial contents. */
static int fw_load(const char *path, struct elf_image *img, fw_soc_t *soc, uint32_t *cfg_addr,
                   struct vdpu_fw_config *cfg, char *err, size_t errlen)
{
    if (elf_load(path, img, err, errlen)) return -1;
    if (fw_soc_init(soc, img, err, errlen)) return -1;
    const struct elf_sym *sym = elf_sym_find(img, "vdpu_fw_config");
    if (!sym || sym->size != sizeof(struct vdpu_fw_config)) {
        snprintf(err, errlen, "firmware '%s' has no vdpu_fw_config object of %zu bytes", path,
                 sizeof(struct vdpu_fw_config));
        return -1;
    }
    if (!fw_soc_debug_read(soc, sym->value, cfg, sizeof *cfg) || cfg->magic != FW_CONFIG_MAGIC ||
        cfg->version != FW_CONFIG_VERSION) {
        snprintf(err, errlen, "firmware '%s': vdpu_fw_config has the wrong magic or version", path);
        return -1;
    }
    *cfg_addr = sym->value;
    return 0;
}

int vdpu_fw_probe(const char *path, char *err, size_t errlen)
{
    struct elf_image img;
    memset(&img, 0, sizeof img);
    fw_soc_t *soc = calloc(1, sizeof *soc);
    struct vdpu_fw_config c;
    uint32_t at;
    int rc = -1;
    if (!soc) snprintf(err, errlen, "out of memory");
    else rc = fw_load(path, &img, soc, &at, &c, err, errlen);
    free(soc);
    elf_free(&img);
    return rc;
}

/* Real firmware: load the ELF, write the boot configuration into it, attach the CPU. */
static int open_firmware(vdpu_session_t *s, const struct vdpu_opts *o)
{
    char err[300];
    struct vdpu_fw_config c;
    uint32_t cfg_addr;
    s->soc = calloc(1, sizeof *s->soc);
    if (!s->soc || fw_load(o->fw_path, &s->fw_img, s->soc, &cfg_addr, &c, err, sizeof err)) {
        fprintf(stderr, "vdpu: %s\n", s->soc ? err : "out of memory");
        return -1;
    }
    memcpy(c.features, o->features, sizeof c.features);
    memcpy(c.mac, o->mac, sizeof c.mac);
    c.mtu = o->mtu;
    c.max_qp = o->max_qp;
    c.link_up = o->link_up;
    c.verbose = o->fw_verbose;
    c.hostmem_base_lo = (uint32_t)o->window_base;
    c.hostmem_base_hi = (uint32_t)(o->window_base >> 32);
    c.hostmem_size_lo = (uint32_t)o->window_size;
    c.hostmem_size_hi = (uint32_t)(o->window_size >> 32);
    c.eng_param = (o->prefetch << VDPU_ENG_PARAM_PREFETCH_LSB & VDPU_ENG_PARAM_PREFETCH) |
                  (o->used_batch << VDPU_ENG_PARAM_BATCH_LSB & VDPU_ENG_PARAM_BATCH) |
                  (o->max_reads > 1 ? o->max_reads << VDPU_ENG_PARAM_MAX_READS_LSB & VDPU_ENG_PARAM_MAX_READS : 0) |
                  (o->tx_fetch > 1 ? o->tx_fetch << VDPU_ENG_PARAM_TX_FETCH_LSB & VDPU_ENG_PARAM_TX_FETCH : 0);
    c.eng_coal = (o->coal_frames & 0xffu) | (o->coal_cycles & 0xffffffu) << 8;
    fw_soc_debug_write(s->soc, cfg_addr, &c, sizeof c);
    s->soc->console = o->fw_console;
    s->soc->trace = o->fw_trace;
    fw_soc_attach(s->soc, &s->bus);
    return 0;
}

/* Built-in firmware role: program the offer and the net config through CSRs first. */
static void open_builtin_firmware(vdpu_session_t *s, const struct vdpu_opts *o)
{
    fwrole_init(&s->fw, o->fw_auto);
    fwrole_attach(&s->fw, &s->bus);
    struct vdpu_opts d;
    vdpu_opts_default(&d);
    for (unsigned w = 0; w < 4; w++)
        if (o->features[w] != d.features[w]) fwrole_push(&s->fw, true, (uint16_t)(VDPU_CSR_DEV_FEATURE0 + 4 * w), o->features[w]);
    if (memcmp(o->mac, d.mac, 6)) {
        fwrole_push(&s->fw, true, VDPU_CSR_NET_MAC_LO,
                    (uint32_t)o->mac[0] | (uint32_t)o->mac[1] << 8 | (uint32_t)o->mac[2] << 16 | (uint32_t)o->mac[3] << 24);
        fwrole_push(&s->fw, true, VDPU_CSR_NET_MAC_HI, (uint32_t)o->mac[4] | (uint32_t)o->mac[5] << 8);
    }
    if (o->mtu != d.mtu) fwrole_push(&s->fw, true, VDPU_CSR_NET_MTU, o->mtu);
    if (o->max_qp != d.max_qp) {
        fwrole_push(&s->fw, true, VDPU_CSR_NET_MAX_QP, o->max_qp);
        fwrole_push(&s->fw, true, VDPU_CSR_NUMQ, 2u * o->max_qp + 1); /* num_queues: the pairs and the control queue */
    }
}

static const char *const engine_names[] = {"model", "rtl", "cosim"};

const char *vdpu_engine_name(enum vdpu_engine e) { return engine_names[e]; }

bool vdpu_engine_parse(const char *s, enum vdpu_engine *e)
{
    for (unsigned i = 0; i < 3; i++)
        if (!strcmp(s, engine_names[i])) {
            *e = (enum vdpu_engine)i;
            return true;
        }
    return false;
}

vdpu_dev_t *vdpu_engine_create(const struct vdpu_opts *o)
{
    struct vdpu_rtl_opts ro = {o->wave, o->wave_from, o->wave_to};
    vdpu_dev_t *m, *r;
    switch (o->engine) {
    case VDPU_ENGINE_MODEL:
        m = vdpu_model_create();
        if (m) vdpu_model_set_fault(m, (enum vdpu_model_fault)o->fault);
        return m;
    case VDPU_ENGINE_RTL:
        return vdpu_rtl_create(&ro);
    case VDPU_ENGINE_COSIM:
        r = vdpu_rtl_create(&ro);
        m = vdpu_model_create();
        if (m) vdpu_model_set_fault(m, (enum vdpu_model_fault)o->fault);
        return vdpu_cosim_create(r, m, o->seed, o->rerun);
    }
    return NULL;
}

int vdpu_session_open(vdpu_session_t *s, const struct vdpu_opts *o)
{
    memset(s, 0, sizeof *s);
    s->opts = *o;
    s->dev = vdpu_engine_create(o);
    if (!s->dev) {
        fprintf(stderr, "vdpu: cannot create the %s engine\n", vdpu_engine_name(o->engine));
        return -1;
    }
    host_mem_init(&s->mem);
    s->mem.msi_base = o->msi_base;
    if (o->ram_size && !host_mem_add_ram(&s->mem, "ram", o->ram_base, o->ram_size)) {
        fprintf(stderr, "vdpu: cannot allocate host memory\n");
        vdpu_dev_destroy(s->dev);
        return -1;
    }
    vdpu_bus_init(&s->bus, s->dev, &s->mem);
    s->bus.trace = o->trace;
    s->bus.skip_idle = !o->no_skip;
    s->bus.link_up = o->link_up;
    s->bus.net.wire_mbps = o->wire_mbps;
    struct link_faults lf = o->pcie_faults;
    if (lf.random) { /* one fault, kind and read from the seed (its own generator) */
        link_fault_draw(o->seed, LINK_FAULT_RANDOM_MAX_NTH, &lf.f[0]);
        lf.n = 1;
        lf.random = false;
    }
    link_set_faults(&s->bus.link, &lf);
    if (o->fw_path) {
        fwrole_init(&s->fw, false);
        if (open_firmware(s, o)) {
            vdpu_session_close(s);
            return -1;
        }
    } else {
        open_builtin_firmware(s, o);
    }
    return 0;
}

int vdpu_session_replace_device(vdpu_session_t *s, enum vdpu_engine e, char *err, size_t errlen)
{
    if (!s->opts.fw_path) {
        snprintf(err, errlen, "a device restored from a state needs the real firmware (--fw)");
        return -1;
    }
    if (!vdpu_dev_finish(s->dev)) { /* a cosim mismatch so far belongs to the device being replaced */
        snprintf(err, errlen, "the %s engine being replaced failed its checks", vdpu_engine_name(s->opts.engine));
        return -1;
    }
    struct vdpu_opts o = s->opts;
    o.engine = e;
    o.wave = NULL; /* the source's wave file is not reopened: it ends at the migration */
    vdpu_dev_t *dev = vdpu_engine_create(&o);
    if (!dev) {
        snprintf(err, errlen, "cannot create the %s engine", vdpu_engine_name(e));
        return -1;
    }
    dev->cycle = s->dev->cycle; /* simulated time goes on */
    if (s->soc) fw_soc_flush_console(s->soc);
    free(s->soc);
    s->soc = NULL;
    elf_free(&s->fw_img);
    vdpu_dev_destroy(s->dev);
    s->dev = s->bus.dev = dev;
    s->bus.net.clock = &dev->cycle;
    s->bus.seen_link_up = s->bus.seen_dp_err = -1;
    vdpu_dev_eval(dev, &s->bus.out);
    s->opts = o;
    if (open_firmware(s, &o)) {
        snprintf(err, errlen, "cannot boot the firmware on the new device");
        return -1;
    }
    return 0;
}

bool vdpu_session_finish(vdpu_session_t *s)
{
    /* let in-flight responses and messages land before the final check */
    if (!s->bus.stopped) vdpu_bus_run_cycles(&s->bus, 8);
    bool ok = vdpu_dev_finish(s->dev) && !s->bus.stopped;
    return ok;
}

void vdpu_session_close(vdpu_session_t *s)
{
    if (s->soc) fw_soc_flush_console(s->soc);
    vdpu_bus_fini(&s->bus);
    free(s->soc);
    s->soc = NULL;
    elf_free(&s->fw_img);
    vdpu_dev_destroy(s->dev);
    s->dev = NULL;
    host_mem_fini(&s->mem);
}
