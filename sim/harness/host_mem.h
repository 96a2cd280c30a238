/* host_mem.h - guest-physical memory as a set of regions with pluggable backing, plus the MSI window. */
#ifndef VDPU_HOST_MEM_H
#define VDPU_HOST_MEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* x86-style MSI address window: a DMA write here is an interrupt message, not memory. */
#define VDPU_MSI_BASE 0xFEE00000ull
#define VDPU_MSI_SIZE 0x00100000ull

/* Backing of one region. A later vhost-user bridge maps a frontend's shared
 * memory here instead of the default heap buffer. */
struct host_mem_backing {
    void *ctx;
    uint8_t *(*map)(void *ctx, uint64_t off, size_t len); /* pointer to len bytes at off, or NULL */
    void (*release)(void *ctx);
};

struct host_region {
    char name[32];
    uint64_t base, size;
    struct host_mem_backing backing;
};

#define HOST_MEM_MAX_REGIONS 16
#define HOST_MSI_MAX_VECTORS 2048

typedef struct host_mem {
    struct host_region regions[HOST_MEM_MAX_REGIONS];
    unsigned nregions;
    uint64_t msi_base; /* MSI window [msi_base, msi_base + VDPU_MSI_SIZE): VDPU_MSI_BASE unless the host moves it */
    /* called for every well-formed MSI message (after it is counted), or NULL */
    void (*on_msi)(void *ctx, uint64_t addr, uint32_t data);
    void *on_msi_ctx;
    uint64_t msi_count[HOST_MSI_MAX_VECTORS]; /* messages received, by message data */
    uint64_t msi_total;
    uint64_t bad_writes; /* DMA writes that hit no region */
    /* pages the host CPU wrote (host_mem_write, never a DMA write), as a hypervisor's pre-copy tracks
     * its guest's writes: bit i = page i of [base, base + pages << shift); off while bits is NULL */
    struct {
        uint8_t *bits;
        uint64_t base;
        uint32_t pages;
        unsigned shift;
    } cpu_log;
} host_mem_t;

void host_mem_init(host_mem_t *m);
void host_mem_fini(host_mem_t *m);
/* Add a zero-filled heap-backed region; false if it overlaps or the table is full. */
bool host_mem_add_ram(host_mem_t *m, const char *name, uint64_t base, uint64_t size);
bool host_mem_add_region(host_mem_t *m, const char *name, uint64_t base, uint64_t size, struct host_mem_backing b);
/* Remove (and release) every region whose name starts with prefix; returns how many. */
unsigned host_mem_remove(host_mem_t *m, const char *prefix);
/* Inside the MSI window. */
bool host_mem_is_msi(const host_mem_t *m, uint64_t addr);
/* Host-side (CPU) access; false if [addr, addr+len) is not inside one region. */
bool host_mem_read(host_mem_t *m, uint64_t addr, void *dst, size_t len);
bool host_mem_write(host_mem_t *m, uint64_t addr, const void *src, size_t len);
/* Track the pages host CPU writes touch from now on (bits: pages / 8 bytes, zeroed by the caller, owned by
 * it); NULL turns it off. */
void host_mem_cpu_log(host_mem_t *m, uint8_t *bits, uint64_t base, uint32_t pages, unsigned shift);
/* A device DMA write: an MSI message in the MSI window, else memory. false: nothing there. */
bool host_mem_dma_write(host_mem_t *m, uint64_t addr, const void *src, size_t len);

#endif
