/* mini_elf.h - test helper: hand-built RV32 ELF executables (one PT_LOAD, optional symbols) without a toolchain. */
#ifndef VDPU_TEST_MINI_ELF_H
#define VDPU_TEST_MINI_ELF_H

#include <stddef.h>
#include <stdint.h>

/* Build into buf (>= 1024 bytes): code words loaded and entered at paddr; if sym is non-NULL a
 * symbol table holds one global symbol sym = sym_value. Returns the file size. Offsets for
 * corrupting it: header at 0, program header at 52, code at MINI_ELF_CODE_OFF. */
#define MINI_ELF_CODE_OFF 0x60u
size_t mini_elf(uint8_t *buf, uint32_t paddr, const uint32_t *code, unsigned n, const char *sym, uint32_t sym_value);
/* Write len bytes to a fresh temporary file; returns its path (static buffer per call site is the caller's). */
void mini_elf_write(char *path, size_t pathlen, const void *data, size_t len);

#endif
