/* json_file.c - the JSON pieces every report writer shares: a DMA count object and writing a document. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "json_file.h"
#include "out_file.h"

cJSON *json_count_obj(double requests, double bytes, double tlps, double link_bytes)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "requests", requests);
    cJSON_AddNumberToObject(o, "bytes", bytes);
    cJSON_AddNumberToObject(o, "tlps", tlps);
    cJSON_AddNumberToObject(o, "link_bytes", link_bytes);
    return o;
}

int json_write_file(cJSON *root, const char *path, char *err, size_t errlen)
{
    char *txt = cJSON_Print(root);
    cJSON_Delete(root);
    if (!txt) {
        snprintf(err, errlen, "cannot write JSON '%s': out of memory", path);
        return -1;
    }
    errno = 0;
    FILE *f = fopen(path, "w");
    if (!f) {
        snprintf(err, errlen, "cannot write JSON '%s': %s", path, strerror(errno));
        cJSON_free(txt);
        return -1;
    }
    fputs(txt, f);
    fputc('\n', f);
    cJSON_free(txt);
    return out_close(f, path, "JSON", err, errlen);
}

bool json_num(const cJSON *o, const char *key, double lo, double hi, double *out)
{
    const cJSON *v = cJSON_GetObjectItem(o, key);
    if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) || v->valuedouble < lo || v->valuedouble > hi) return false;
    *out = v->valuedouble;
    return true;
}

bool json_uint(const cJSON *o, const char *key, uint64_t lo, uint64_t hi, uint64_t *out)
{
    double d;
    if (!json_num(o, key, (double)lo, (double)hi, &d) || d != floor(d)) return false;
    *out = (uint64_t)d;
    return true;
}
