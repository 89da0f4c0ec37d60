/*
 * discover.c - find cameras on the LAN with pppp.
 *
 *   discover [--array] [HOST[:PORT]...]
 *
 * Searches by unicast at each HOST (port 32108 by default) and, when none is given, by
 * broadcast on every interface - or by unicast at the addresses of PPPP_LAN_TARGETS when that
 * variable is set. Prints each camera as it answers (callback form), or all at the end with
 * --array (array form). Exit status: 0 when a camera answered, 3 when none did, 1 on error.
 */
#include <stdio.h>
#include <string.h>

#include "pppp.h"

static void on_device(const pppp_device *d, void *userdata) {
    size_t *count = (size_t *)userdata;
    (*count)++;
    printf("found %s at %s (cipher %s)\n", d->uid, d->addr, d->cipher);
    fflush(stdout);
}

static void on_done(void *userdata) {
    printf("search finished: %zu camera(s)\n", *(size_t *)userdata);
}

static int fail(const char *what, pppp_result r) {
    char detail[256];
    pppp_last_error_message(detail, sizeof detail);
    fprintf(stderr, "%s: %s (%s)\n", what, pppp_result_str(r), detail);
    return 1;
}

int main(int argc, char **argv) {
    int array = 0;
    const char *targets[16];
    size_t ntargets = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--array") == 0) {
            array = 1;
        } else if (ntargets < sizeof targets / sizeof targets[0]) {
            targets[ntargets++] = argv[i];
        }
    }
    pppp_discover_options opts;
    pppp_discover_options_init(&opts);
    opts.targets = targets;
    opts.targets_len = ntargets;
    opts.broadcast = ntargets == 0;
    opts.timeout_ms = 1500;

    size_t found = 0;
    if (array) {
        pppp_device *devs = NULL;
        pppp_result r = pppp_discover(&opts, &devs, &found);
        if (r != PPPP_RESULT_OK) {
            return fail("pppp_discover", r);
        }
        for (size_t i = 0; i < found; i++) {
            printf("found %s at %s port %u (cipher %s)\n", devs[i].uid, devs[i].addr,
                   (unsigned)devs[i].port, devs[i].cipher);
        }
        printf("search finished: %zu camera(s)\n", found);
        pppp_devices_free(&devs, found);
    } else {
        pppp_device_closure cb = {&found, on_device, on_done};
        pppp_result r = pppp_discover_with(&opts, cb);
        if (r != PPPP_RESULT_OK) {
            return fail("pppp_discover_with", r);
        }
    }
    return found > 0 ? 0 : 3;
}
