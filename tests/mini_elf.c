/* mini_elf.c - test helper: hand-built RV32 ELF executables for loader and `vdpu iss` tests. */
#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mini_elf.h"

size_t mini_elf(uint8_t *buf, uint32_t paddr, const uint32_t *code, unsigned n, const char *sym, uint32_t sym_value)
{
    memset(buf, 0, 1024);
    Elf32_Ehdr *e = (Elf32_Ehdr *)buf;
    memcpy(e->e_ident, ELFMAG, SELFMAG);
    e->e_ident[EI_CLASS] = ELFCLASS32;
    e->e_ident[EI_DATA] = ELFDATA2LSB;
    e->e_ident[EI_VERSION] = EV_CURRENT;
    e->e_type = ET_EXEC;
    e->e_machine = EM_RISCV;
    e->e_version = EV_CURRENT;
    e->e_entry = paddr;
    e->e_phoff = sizeof(Elf32_Ehdr);
    e->e_ehsize = sizeof(Elf32_Ehdr);
    e->e_phentsize = sizeof(Elf32_Phdr);
    e->e_phnum = 1;
    e->e_shentsize = sizeof(Elf32_Shdr);
    Elf32_Phdr *p = (Elf32_Phdr *)(buf + e->e_phoff);
    p->p_type = PT_LOAD;
    p->p_offset = MINI_ELF_CODE_OFF;
    p->p_vaddr = p->p_paddr = paddr;
    p->p_filesz = p->p_memsz = n * 4;
    p->p_flags = PF_R | PF_X;
    p->p_align = 4;
    memcpy(buf + MINI_ELF_CODE_OFF, code, n * 4);
    size_t off = MINI_ELF_CODE_OFF + n * 4;
    if (!sym) return off;

    /* sections: null, .symtab, .strtab, .shstrtab */
    off = (off + 3) & ~(size_t)3;
    size_t symoff = off;
    Elf32_Sym *s = (Elf32_Sym *)(buf + symoff);
    memset(s, 0, 2 * sizeof *s);
    s[1].st_name = 1;
    s[1].st_value = sym_value;
    s[1].st_info = ELF32_ST_INFO(STB_GLOBAL, STT_OBJECT);
    s[1].st_shndx = SHN_ABS;
    off += 2 * sizeof *s;
    size_t stroff = off;
    buf[off++] = 0;
    memcpy(buf + off, sym, strlen(sym) + 1);
    off += strlen(sym) + 1;
    size_t shstroff = off;
    static const char shstr[] = "\0.symtab\0.strtab\0.shstrtab";
    memcpy(buf + off, shstr, sizeof shstr);
    off += sizeof shstr;
    off = (off + 3) & ~(size_t)3;
    e->e_shoff = (Elf32_Off)off;
    e->e_shnum = 4;
    e->e_shstrndx = 3;
    Elf32_Shdr *sh = (Elf32_Shdr *)(buf + off);
    memset(sh, 0, 4 * sizeof *sh);
    sh[1] = (Elf32_Shdr){.sh_name = 1, .sh_type = SHT_SYMTAB, .sh_offset = (Elf32_Off)symoff,
                         .sh_size = 2 * sizeof(Elf32_Sym), .sh_link = 2, .sh_info = 1, .sh_addralign = 4,
                         .sh_entsize = sizeof(Elf32_Sym)};
    sh[2] = (Elf32_Shdr){.sh_name = 9, .sh_type = SHT_STRTAB, .sh_offset = (Elf32_Off)stroff,
                         .sh_size = (Elf32_Word)(shstroff - stroff), .sh_addralign = 1};
    sh[3] = (Elf32_Shdr){.sh_name = 17, .sh_type = SHT_STRTAB, .sh_offset = (Elf32_Off)shstroff,
                         .sh_size = sizeof shstr, .sh_addralign = 1};
    return off + 4 * sizeof *sh;
}

void mini_elf_write(char *path, size_t pathlen, const void *data, size_t len)
{
    snprintf(path, pathlen, "/tmp/vdpu-iss-test-XXXXXX");
    int fd = mkstemp(path);
    if (fd < 0) abort();
    if (write(fd, data, len) != (ssize_t)len) abort();
    close(fd);
}
