/* json_file.c - the JSON pieces every report writer shares: a DMA count object and writing a document. */
#include <stdio.h>

#include "json_file.h"

cJSON *json_count_obj(double requests, double bytes, double tlps, double link_bytes)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "requests", requests);
    cJSON_AddNumberToObject(o, "bytes", bytes);
    cJSON_AddNumberToObject(o, "tlps", tlps);
    cJSON_AddNumberToObject(o, "link_bytes", link_bytes);
    return o;
}

int json_write_file(cJSON *root, const char *path)
{
    char *txt = cJSON_Print(root);
    cJSON_Delete(root);
    FILE *f = txt ? fopen(path, "w") : NULL;
    int rc = f && fputs(txt, f) >= 0 && fputc('\n', f) != EOF ? 0 : -1;
    if (f && fclose(f)) rc = -1;
    cJSON_free(txt);
    return rc;
}
