// Sends the JSON request given as argv[1] over Capsule's host-call channel and prints the JSON reply.
//   capsule run host_call.wasm '{"op":"echo","value":"hi"}'
#include <stdio.h>
#include "capsule_host.h"

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: host_call REQUEST_JSON\n");
        return 2;
    }
    char *reply = capsule_call(argv[1]);
    if (!reply) {
        fprintf(stderr, "host call failed\n");
        return 1;
    }
    puts(reply);
    free(reply);
    return 0;
}
