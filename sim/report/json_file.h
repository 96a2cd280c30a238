/* json_file.h - the JSON pieces every report writer shares: a DMA count object and writing a document. */
#ifndef VDPU_JSON_FILE_H
#define VDPU_JSON_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

/* {"requests", "bytes", "tlps", "link_bytes"}: measured counts or per-packet figures alike. */
cJSON *json_count_obj(double requests, double bytes, double tlps, double link_bytes);
/* Print root to path (pretty, newline-terminated) and delete it. 0 ok, -1 with "cannot write JSON
 * '<path>': <reason>" in err (every write and the close checked). */
int json_write_file(cJSON *root, const char *path, char *err, size_t errlen);

/* o[key] as an integer in [lo, hi] (a JSON number without fraction); false when it is missing, not a
 * number, NaN, fractional or out of range - never a cast of such a double. hi <= 2^53. */
bool json_uint(const cJSON *o, const char *key, uint64_t lo, uint64_t hi, uint64_t *out);
/* o[key] as a finite number in [lo, hi]; false otherwise. */
bool json_num(const cJSON *o, const char *key, double lo, double hi, double *out);

#endif
