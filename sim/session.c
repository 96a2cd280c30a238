/* session.c - build an engine and its harness from options. */
#include <stdio.h>
#include <string.h>

#include "session.h"

void vdpu_opts_default(struct vdpu_opts *o)
{
    memset(o, 0, sizeof *o);
    o->engine = VDPU_ENGINE_COSIM;
    o->seed = 1;
    o->fw_auto = true;
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
    if (!host_mem_add_ram(&s->mem, "ram", VDPU_HOST_RAM_BASE, VDPU_HOST_RAM_SIZE)) {
        fprintf(stderr, "vdpu: cannot allocate host memory\n");
        vdpu_dev_destroy(s->dev);
        return -1;
    }
    vdpu_bus_init(&s->bus, s->dev, &s->mem);
    s->bus.trace = o->trace;
    fwrole_init(&s->fw, o->fw_auto);
    fwrole_attach(&s->fw, &s->bus);
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
    vdpu_dev_destroy(s->dev);
    s->dev = NULL;
    host_mem_fini(&s->mem);
}
