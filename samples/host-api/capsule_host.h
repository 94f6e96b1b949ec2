/*
 * Capsule's host-call channel for C guests (wasm32-wasi). See docs/host-api.md.
 *
 *   char *reply = capsule_call("{\"op\":\"echo\",\"value\":1}");
 *   ... use the NUL-terminated JSON reply ...
 *   free(reply);
 *
 * A failed call still returns a reply: {"error": {"type": "...", "message": "..."}}. NULL means the call
 * could not be made at all (out of memory, or a pointer outside guest memory).
 */
#ifndef CAPSULE_HOST_H
#define CAPSULE_HOST_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/*
 * The raw import. Returns the reply's length when it fit into resp_cap bytes at resp; -1 when a range lies
 * outside guest memory; otherwise minus the length the reply needs. The host then keeps the reply: call
 * again with req_len 0 and a large enough buffer to fetch it (the request is not run again).
 */
__attribute__((import_module("capsule"), import_name("host_call")))
int32_t capsule_host_call(const char *req, uint32_t req_len, char *resp, uint32_t resp_cap);

/* Sends one JSON request; returns the JSON reply as a NUL-terminated string to free(), or NULL. */
static inline char *capsule_call_n(const char *request, size_t request_len) {
    uint32_t cap = 4096;
    char *reply = malloc(cap + 1);
    if (!reply) return NULL;
    int32_t n = capsule_host_call(request, (uint32_t) request_len, reply, cap);
    if (n < -1) {
        cap = (uint32_t) -n;
        free(reply);
        reply = malloc((size_t) cap + 1);
        if (!reply) return NULL;
        n = capsule_host_call(reply, 0, reply, cap);
    }
    if (n < 0) {
        free(reply);
        return NULL;
    }
    reply[n] = '\0';
    return reply;
}

static inline char *capsule_call(const char *request) {
    return capsule_call_n(request, strlen(request));
}

#endif
