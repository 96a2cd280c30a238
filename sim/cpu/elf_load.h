/* elf_load.h - read a 32-bit little-endian RISC-V executable: loadable segments, entry point, symbols. */
#ifndef VDPU_ELF_LOAD_H
#define VDPU_ELF_LOAD_H

#include <stddef.h>
#include <stdint.h>

struct elf_seg {
    uint32_t paddr;  /* load address (p_paddr) */
    uint32_t memsz;  /* bytes in memory; [filesz, memsz) is zero-filled */
    uint32_t filesz;
    uint32_t flags;  /* PF_R/PF_W/PF_X */
    uint8_t *data;   /* filesz bytes */
};

struct elf_sym {
    char *name;
    uint32_t value, size;
    unsigned char type; /* STT_* */
};

struct elf_image {
    char path[256];
    uint32_t entry;
    struct elf_seg *seg;
    unsigned nseg;
    struct elf_sym *sym; /* sorted by value (then functions/globals first) */
    unsigned nsym;
};

/* Load path. 0 on success; -1 with a one-line reason in err ("bad ELF 'x': ...") and img freed. */
int elf_load(const char *path, struct elf_image *img, char *err, size_t errlen);
void elf_free(struct elf_image *img);

/* Symbol by exact name, or NULL. */
const struct elf_sym *elf_sym_find(const struct elf_image *img, const char *name);
/* Symbol that addr falls in (or the nearest one below it), or NULL; *off = addr - value. */
const struct elf_sym *elf_sym_at(const struct elf_image *img, uint32_t addr, uint32_t *off);
/* "name+0x12" (or "name", or "?" without symbols) into buf. */
void elf_symbolize(const struct elf_image *img, uint32_t addr, char *buf, size_t len);

#endif
