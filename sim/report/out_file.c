/* out_file.c - checked output files (see out_file.h). */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "out_file.h"

static int fail(const char *path, const char *what, int e, char *err, size_t errlen)
{
    snprintf(err, errlen, "cannot write %s '%s': %s", what, path, e ? strerror(e) : "a write failed");
    return -1;
}

int out_probe(const char *path, const char *what, char *err, size_t errlen)
{
    errno = 0;
    FILE *f = fopen(path, "a");
    if (!f) return fail(path, what, errno, err, errlen);
    return out_close(f, path, what, err, errlen);
}

int out_close(FILE *f, const char *path, const char *what, char *err, size_t errlen)
{
    if (!f) return 0;
    errno = 0;
    bool bad = fflush(f) != 0;
    int e = errno;
    bad = bad || ferror(f);
    errno = 0;
    if (fclose(f) != 0) {
        bad = true;
        if (!e) e = errno;
    }
    return bad ? fail(path, what, e, err, errlen) : 0;
}
