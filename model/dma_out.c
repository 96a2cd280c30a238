/* dma_out.c - the DMA request output register: drained by dmareq_ready, loaded by the engine first, then the MSI-X sender. */
#include "model.h"

/* Runs before both loaders: a request the host takes at this edge leaves the register. */
void model_dma_out_edge(struct vdpu_edge *e)
{
    if (e->pre->dmareq_valid && e->dmareq_ready) e->next->dmareq_valid = false;
}

/* Free at an edge when empty before it, or taken at it: so beats can go out back to back. */
bool model_dma_out_free(const struct vdpu_edge *e)
{
    return !e->dmareq_loaded && (!e->pre->dmareq_valid || e->dmareq_ready);
}

void model_dma_out_load(struct vdpu_edge *e, const vdpu_dmareq_t *r)
{
    e->next->dmareq = *r;
    e->next->dmareq_valid = true;
    e->dmareq_loaded = true;
}
