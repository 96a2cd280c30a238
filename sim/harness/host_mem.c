/* host_mem.c - guest-physical memory regions and MSI message capture. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host_mem.h"

struct heap_backing {
    uint8_t *buf;
    uint64_t size;
};

static uint8_t *heap_map(void *ctx, uint64_t off, size_t len)
{
    struct heap_backing *h = ctx;
    return off + len <= h->size ? h->buf + off : NULL;
}

static void heap_release(void *ctx)
{
    struct heap_backing *h = ctx;
    free(h->buf);
    free(h);
}

void host_mem_init(host_mem_t *m)
{
    memset(m, 0, sizeof *m);
    m->msi_base = VDPU_MSI_BASE;
}

bool host_mem_is_msi(const host_mem_t *m, uint64_t addr)
{
    return addr >= m->msi_base && addr - m->msi_base < VDPU_MSI_SIZE;
}

unsigned host_mem_remove(host_mem_t *m, const char *prefix)
{
    unsigned n = 0, k = 0;
    size_t pl = strlen(prefix);
    for (unsigned i = 0; i < m->nregions; i++) {
        struct host_region *r = &m->regions[i];
        if (!strncmp(r->name, prefix, pl)) {
            if (r->backing.release) r->backing.release(r->backing.ctx);
            n++;
        } else {
            m->regions[k++] = *r;
        }
    }
    m->nregions = k;
    return n;
}

void host_mem_fini(host_mem_t *m)
{
    for (unsigned i = 0; i < m->nregions; i++)
        if (m->regions[i].backing.release) m->regions[i].backing.release(m->regions[i].backing.ctx);
    m->nregions = 0;
}

bool host_mem_add_region(host_mem_t *m, const char *name, uint64_t base, uint64_t size, struct host_mem_backing b)
{
    if (m->nregions == HOST_MEM_MAX_REGIONS || size == 0 || base + size < base) return false;
    for (unsigned i = 0; i < m->nregions; i++) {
        const struct host_region *r = &m->regions[i];
        if (base < r->base + r->size && r->base < base + size) return false;
    }
    struct host_region *r = &m->regions[m->nregions++];
    snprintf(r->name, sizeof r->name, "%s", name);
    r->base = base;
    r->size = size;
    r->backing = b;
    return true;
}

bool host_mem_add_ram(host_mem_t *m, const char *name, uint64_t base, uint64_t size)
{
    struct heap_backing *h = calloc(1, sizeof *h);
    if (!h) return false;
    h->buf = calloc(1, size);
    h->size = size;
    if (!h->buf) {
        free(h);
        return false;
    }
    struct host_mem_backing b = {h, heap_map, heap_release};
    if (!host_mem_add_region(m, name, base, size, b)) {
        heap_release(h);
        return false;
    }
    return true;
}

static uint8_t *lookup(host_mem_t *m, uint64_t addr, size_t len)
{
    for (unsigned i = 0; i < m->nregions; i++) {
        struct host_region *r = &m->regions[i];
        if (addr >= r->base && addr - r->base + len <= r->size && addr + len >= addr)
            return r->backing.map(r->backing.ctx, addr - r->base, len);
    }
    return NULL;
}

bool host_mem_read(host_mem_t *m, uint64_t addr, void *dst, size_t len)
{
    uint8_t *p = lookup(m, addr, len);
    if (!p) return false;
    memcpy(dst, p, len);
    return true;
}

bool host_mem_write(host_mem_t *m, uint64_t addr, const void *src, size_t len)
{
    uint8_t *p = lookup(m, addr, len);
    if (!p) return false;
    memcpy(p, src, len);
    if (m->cpu_log.bits && len && addr + len > m->cpu_log.base) {
        uint64_t first = addr > m->cpu_log.base ? (addr - m->cpu_log.base) >> m->cpu_log.shift : 0;
        uint64_t last = (addr + len - 1 - m->cpu_log.base) >> m->cpu_log.shift;
        for (uint64_t i = first; i <= last && i < m->cpu_log.pages; i++) m->cpu_log.bits[i / 8] |= (uint8_t)(1u << i % 8);
    }
    return true;
}

void host_mem_cpu_log(host_mem_t *m, uint8_t *bits, uint64_t base, uint32_t pages, unsigned shift)
{
    m->cpu_log.bits = bits;
    m->cpu_log.base = base;
    m->cpu_log.pages = pages;
    m->cpu_log.shift = shift;
}

bool host_mem_dma_write(host_mem_t *m, uint64_t addr, const void *src, size_t len)
{
    if (host_mem_is_msi(m, addr)) {
        uint32_t data = 0;
        memcpy(&data, src, len < 4 ? len : 4);
        m->msi_total++;
        if (len == 4 && data < HOST_MSI_MAX_VECTORS) {
            m->msi_count[data]++;
            if (m->on_msi) m->on_msi(m->on_msi_ctx, addr, data);
            return true;
        }
        return false; /* malformed message */
    }
    if (host_mem_write(m, addr, src, len)) return true;
    m->bad_writes++;
    return false;
}
