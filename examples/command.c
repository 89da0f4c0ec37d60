/*
 * command.c - log into a camera and send one JSON command.
 *
 *   command UID [HOST[:PORT] | -] [JSON] [USER PASSWORD]
 *
 * HOST is the camera's address (its LAN-search port, 32108 by default); "-" or nothing
 * searches the addresses of PPPP_LAN_TARGETS, else by broadcast. JSON defaults to
 * {"pro":"get_parms","cmd":101}. Prints the login reply and the command's reply.
 */
#include <stdio.h>
#include <string.h>

#include "pppp.h"

static int fail(const char *what, pppp_result r) {
    char detail[256];
    pppp_last_error_message(detail, sizeof detail);
    fprintf(stderr, "%s failed: %s (%s)\n", what, pppp_result_str(r), detail);
    return r == PPPP_RESULT_WRONG_PASSWORD ? 4 : r == PPPP_RESULT_OFFLINE ? 3 : 1;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s UID [HOST[:PORT] | -] [JSON] [USER PASSWORD]\n", argv[0]);
        return 2;
    }
    pppp_config cfg;
    pppp_config_init(&cfg);
    cfg.uid = argv[1];
    cfg.host = (argc > 2 && strcmp(argv[2], "-") != 0) ? argv[2] : NULL;
    const char *json = argc > 3 ? argv[3] : "{\"pro\":\"get_parms\",\"cmd\":101}";
    if (argc > 5) {
        cfg.user = argv[4];
        cfg.password = argv[5];
    }
    cfg.connect_timeout_ms = 5000;

    pppp_session *s = NULL;
    pppp_result r = pppp_session_connect(&cfg, &s);
    if (r != PPPP_RESULT_OK) {
        return fail("connect", r);
    }
    char peer[64];
    if (pppp_session_peer(s, peer, sizeof peer) == PPPP_RESULT_OK) {
        printf("connected to %s\n", peer);
    }
    char *reply = NULL;
    r = pppp_session_login(s, &reply);
    if (r != PPPP_RESULT_OK) {
        int code = fail("login", r);
        pppp_session_free(&s);
        return code;
    }
    printf("login: %s\n", reply);
    pppp_string_free(&reply);

    r = pppp_session_command(s, json, &reply);
    if (r != PPPP_RESULT_OK) {
        int code = fail("command", r);
        pppp_session_free(&s);
        return code;
    }
    printf("reply: %s\n", reply);
    pppp_string_free(&reply);
    pppp_session_free(&s);
    return 0;
}
