/*
 * ppcs_api.c - the vendor-compatible API (PPCS_API.h, PPPP_API.h): error codes, handles,
 * blocking reads with partial data, Check/Check_Buffer, Close and Connect_Break waking
 * blocked calls, the write buffer limit, packets, and the legacy PPPP_* names.
 *
 *   ppcs_api UID      (the camera at PPPP_LAN_TARGETS answers as UID)
 *
 * It also starts an emulated camera of its own (pppp.h) for the tests that stop it.
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <string.h>
#include <time.h>

#include "PPCS_API.h"
#include "PPPP_API.h"
#include "check.h"
#include "pppp.h"

_Static_assert(sizeof(st_PPCS_NetInfo) == 36, "st_PPCS_NetInfo is 36 bytes");
_Static_assert(sizeof(st_PPCS_Session) == 84, "st_PPCS_Session is 84 bytes");
_Static_assert(sizeof(st_PPPP_Session) == 84, "st_PPPP_Session is 84 bytes");

static const char *uid;

struct blocked_read {
    INT32 handle;
    INT32 ret;
    INT32 size;
};

static void *reader(void *arg) {
    struct blocked_read *b = arg;
    char buf[64];
    b->size = sizeof buf;
    b->ret = PPCS_Read(b->handle, 6, buf, &b->size, 0xFFFFFFFFu); /* no limit */
    return NULL;
}

struct blocked_connect {
    const char *target;
    INT32 ret;
    pthread_mutex_t lock;
    int done;
};

static void *connector(void *arg) {
    struct blocked_connect *b = arg;
    INT32 ret = PPCS_Connect(b->target, 0x7E, 0); /* a device nobody answers for: 10 s */
    pthread_mutex_lock(&b->lock);
    b->ret = ret;
    b->done = 1;
    pthread_mutex_unlock(&b->lock);
    return NULL;
}

/* Writes a SHIX command block on channel 0. */
static INT32 shix(INT32 h, const char *json) {
    char block[512];
    size_t len = strlen(json);
    const char head[8] = {0x06, 0x0a, (char)0xa0, (char)0x80, (char)len, 0, 0, 0};
    memcpy(block, head, 8);
    memcpy(block + 8, json, len);
    return PPCS_Write(h, 0, block, (INT32)(8 + len));
}

static void test_before_initialize(void) {
    char b = 1;
    st_PPCS_NetInfo ni;
    st_PPCS_Session si;
    INT32 size = 4;
    char buf[4];
    CHECK_EQ(PPCS_GetAPIVersion(), 0x04020000);
    CHECK(strstr(PPCS_GetAPIInformation(), "pppp") != NULL);
    CHECK_EQ(PPCS_Connect(uid, 1, 0), ERROR_PPCS_NOT_INITIALIZED);
    CHECK_EQ(PPCS_Read(0, 0, buf, &size, 0), ERROR_PPCS_NOT_INITIALIZED);
    CHECK_EQ(PPCS_Check(0, &si), ERROR_PPCS_NOT_INITIALIZED);
    CHECK_EQ(PPCS_NetworkDetect(&ni, 0), ERROR_PPCS_NOT_INITIALIZED);
    CHECK_EQ(PPCS_LoginStatus_Check(&b), ERROR_PPCS_NOT_INITIALIZED);
    CHECK_EQ(PPCS_DeInitialize(), ERROR_PPCS_NOT_INITIALIZED);
    CHECK_EQ(PPCS_Connect_Break(), ERROR_PPCS_NOT_INITIALIZED);
    char bad_json[] = "{not json";
    CHECK_EQ(PPCS_Initialize(bad_json), ERROR_PPCS_INVALID_PARAMETER);
}

static void test_misc(void) {
    char init[] = "{\"InitString\":\"\",\"MaxNumSess\":3,\"SessAliveSec\":6}";
    CHECK_EQ(PPCS_Initialize(init), ERROR_PPCS_SUCCESSFUL);
    CHECK_EQ(PPCS_Initialize(init), ERROR_PPCS_ALREADY_INITIALIZED);
    CHECK_EQ(PPPP_Initialize(init), ERROR_PPPP_ALREADY_INITIALIZED);
    st_PPCS_NetInfo ni;
    memset(&ni, 0x55, sizeof ni);
    CHECK_EQ(PPCS_NetworkDetect(&ni, 0), ERROR_PPCS_SUCCESSFUL);
    CHECK(memchr(ni.MyLanIP, 0, sizeof ni.MyLanIP) != NULL);
    CHECK(strcmp(ni.MyWanIP, "0.0.0.0") == 0);
    CHECK_EQ(ni.bFlagServerHello, 0);
    CHECK_EQ(PPCS_NetworkDetect(NULL, 0), ERROR_PPCS_INVALID_PARAMETER);
    char b = 1;
    CHECK_EQ(PPCS_LoginStatus_Check(&b), ERROR_PPCS_SUCCESSFUL);
    CHECK_EQ(b, 0);
    CHECK_EQ(PPCS_Listen("ABCD-123456-ABCDE", 1, 0, 1, "license"), ERROR_PPCS_NOT_SUPPORTED);
    CHECK_EQ(PPPP_Listen("ABCD-123456-ABCDE", 1, 0, 1), ERROR_PPPP_NOT_SUPPORTED);
    CHECK_EQ(PPCS_Listen_Break(), ERROR_PPCS_SUCCESSFUL);
    CHECK_EQ(PPCS_Share_Bandwidth(1), ERROR_PPCS_SUCCESSFUL);
    char did[32];
    CHECK_EQ(PPCS_QueryDID("name", did, sizeof did), ERROR_PPCS_NOT_SUPPORTED);
    /* Connect argument errors. */
    CHECK_EQ(PPCS_Connect(NULL, 1, 0), ERROR_PPCS_INVALID_PARAMETER);
    CHECK_EQ(PPCS_Connect("not a did", 1, 0), ERROR_PPCS_INVALID_ID);
    CHECK_EQ(PPCS_Connect(uid, 0x00, 0), ERROR_PPCS_NOT_SUPPORTED); /* LAN search off */
    char servers[] = "DRFTEOBOJWHSFQHQEVGNDQEXFRLZGKLUGSDUAIBXBOIULLKRDNAJDNOZHNKMJO";
    CHECK_EQ(PPCS_ConnectByServer(uid, 0x7E, 0, servers), ERROR_PPCS_NOT_SUPPORTED);
    char empty[] = "";
    INT32 h = PPCS_ConnectByServer(uid, 0x7E, 0, empty); /* no servers: LAN */
    CHECK_EQ(h, 0);
    CHECK_EQ(PPCS_Close(h), ERROR_PPCS_SUCCESSFUL);
    /* The online probe does not open a session. */
    CHECK_EQ(PPCS_Connect(uid, 0x7F, 0), ERROR_PPCS_SUCCESSFUL);
    CHECK_EQ(PPCS_Connect("ZZZZ-000001-ABCDE", 0x7F, 0), ERROR_PPCS_DEVICE_NOT_ONLINE);
    /* No answer within the search time of bits 1-4 (1 -> 2 s). */
    CHECK_EQ(PPCS_Connect("ZZZZ-000001-ABCDE", 0x03, 0), ERROR_PPCS_TIME_OUT);
}

static void test_sessions(void) {
    /* Handles are small integers from 0 upward (test_misc had 0): a new session takes a
     * slot never used before while there is one (reuse: test_stale_handles). */
    INT32 h0 = PPCS_Connect(uid, 1, 0);
    INT32 h1 = PPPP_Connect(uid, 1, 0); /* the legacy name, same table */
    INT32 h2 = PPCS_Connect(uid, 1, 0);
    CHECK_EQ(h0, 1);
    CHECK_EQ(h1, 2);
    CHECK_EQ(h2, 3);
    CHECK_EQ(PPCS_Connect(uid, 1, 0), ERROR_PPCS_MAX_SESSION); /* MaxNumSess 3 */
    CHECK_EQ(PPCS_ForceClose(h1), ERROR_PPCS_SUCCESSFUL);
    CHECK_EQ(PPCS_ForceClose(h1), ERROR_PPCS_INVALID_SESSION_HANDLE);
    INT32 h3 = PPCS_Connect(uid, 1, 0);
    CHECK_EQ(h3, 4);
    CHECK_EQ(PPCS_Close(h2), ERROR_PPCS_SUCCESSFUL);
    CHECK_EQ(PPCS_Close(h3), ERROR_PPCS_SUCCESSFUL);
    CHECK_EQ(PPCS_Close(-1), ERROR_PPCS_INVALID_SESSION_HANDLE);
    CHECK_EQ(PPCS_Close(99), ERROR_PPCS_INVALID_SESSION_HANDLE);

    INT32 h = h0;
    st_PPCS_Session si;
    CHECK_EQ(PPCS_Check(h, &si), ERROR_PPCS_SUCCESSFUL);
    CHECK(strcmp(si.DID, uid) == 0);
    CHECK_EQ(si.RemoteAddr.sin_family, AF_INET);
    CHECK_EQ(((unsigned char *)&si.RemoteAddr.sin_addr.s_addr)[0], 127);
    CHECK(si.Skt >= 0);
    CHECK_EQ(si.bMode, 0);
    CHECK_EQ(si.bCorD, 0);
    st_PPPP_Session legacy;
    CHECK_EQ(PPPP_Check(h, &legacy), ERROR_PPPP_SUCCESSFUL);
    CHECK_EQ(PPCS_Check(h, NULL), ERROR_PPCS_INVALID_PARAMETER);
    CHECK_EQ(PPCS_Check(77, &si), ERROR_PPCS_INVALID_SESSION_HANDLE);

    /* Read argument errors; a read with nothing to read times out with *DataSize 0. */
    char buf[4096];
    INT32 size = 0;
    CHECK_EQ(PPCS_Read(h, 0, buf, &size, 10), ERROR_PPCS_INVALID_PARAMETER);
    size = 10;
    CHECK_EQ(PPCS_Read(h, 8, buf, &size, 10), ERROR_PPCS_INVALID_PARAMETER);
    CHECK_EQ(PPCS_Read(h, 0, NULL, &size, 10), ERROR_PPCS_INVALID_PARAMETER);
    CHECK_EQ(PPCS_Read(h, 0, buf, NULL, 10), ERROR_PPCS_INVALID_PARAMETER);
    size = 10;
    CHECK_EQ(PPCS_Read(h, 4, buf, &size, 0), ERROR_PPCS_TIME_OUT);
    CHECK_EQ(size, 0);
    CHECK_EQ(PPCS_Write(h, 0, buf, 0), ERROR_PPCS_INVALID_PARAMETER);
    CHECK_EQ(PPCS_Write(h, 0, NULL, 4), ERROR_PPCS_INVALID_PARAMETER);
    CHECK_EQ(PPCS_Write(h, 8, buf, 4), ERROR_PPCS_INVALID_PARAMETER);
    CHECK_EQ(PPCS_Write(77, 0, buf, 4), ERROR_PPCS_INVALID_SESSION_HANDLE);

    /* A command and its reply, read with more than the reply: partial data on timeout. */
    const char *login = "{\"pro\":\"check_user\",\"cmd\":100,\"user\":\"admin\",\"pwd\":\"6666\"}";
    CHECK_EQ(shix(h, login), (INT32)(8 + strlen(login)));
    size = 8;
    CHECK_EQ(PPCS_Read(h, 0, buf, &size, 5000), ERROR_PPCS_SUCCESSFUL);
    CHECK_EQ(size, 8);
    CHECK_EQ((unsigned char)buf[0], 0x06);
    INT32 body = (unsigned char)buf[4] | (unsigned char)buf[5] << 8;
    size = body + 100;
    CHECK_EQ(PPCS_Read(h, 0, buf, &size, 300), ERROR_PPCS_TIME_OUT);
    CHECK_EQ(size, body);
    buf[size] = 0;
    CHECK(strstr(buf, "\"result\"") != NULL);

    /* Check_Buffer: NULL pointers allowed, bad channel refused. */
    UINT32 w = 77, r = 77;
    CHECK_EQ(PPCS_Check_Buffer(h, 0, &w, &r), ERROR_PPCS_SUCCESSFUL);
    CHECK_EQ(r, 0);
    CHECK_EQ(PPCS_Check_Buffer(h, 0, NULL, NULL), ERROR_PPCS_SUCCESSFUL);
    CHECK_EQ(PPCS_Check_Buffer(h, 0, NULL, &r), ERROR_PPCS_SUCCESSFUL);
    CHECK_EQ(PPCS_Check_Buffer(h, 9, &w, &r), ERROR_PPCS_INVALID_PARAMETER);
    CHECK_EQ(PPPP_Check_Buffer(h, 0, &w, NULL), ERROR_PPPP_SUCCESSFUL);

    /* Packets (MSG_PSR): the emulator echoes them. */
    char ping[] = "ping";
    CHECK_EQ(PPCS_PktSend(h, 3, ping, 4), 4);
    char back[2];
    INT32 n = sizeof back;
    CHECK_EQ(PPCS_PktRecv(h, 3, back, &n, 5000), ERROR_PPCS_SUCCESSFUL);
    CHECK_EQ(n, 2); /* truncated to the buffer */
    CHECK(memcmp(back, "pi", 2) == 0);
    n = sizeof back;
    CHECK_EQ(PPCS_PktRecv(h, 3, back, &n, 0), ERROR_PPCS_TIME_OUT);
    CHECK_EQ(n, 0);
    char big[1025] = {0};
    CHECK_EQ(PPCS_PktSend(h, 3, big, 1025), ERROR_PPCS_INVALID_PARAMETER);

    /* Close wakes a read blocked without a time limit on another thread: the close comes only
     * once the read is provably blocked (pppp's test hook counts it), so the read cannot have
     * started after the close. */
    CHECK_EQ(pppp_ppcs_blocked_calls(h), 0);
    struct blocked_read br = {h, 1, -1};
    pthread_t t;
    pthread_create(&t, NULL, reader, &br);
    for (long spins = 0; pppp_ppcs_blocked_calls(h) < 1 && spins < 60 * 1000; spins++) {
        struct timespec pause = {0, 1000 * 1000};
        nanosleep(&pause, NULL); /* polls the hook for up to about a minute */
    }
    CHECK_EQ(pppp_ppcs_blocked_calls(h), 1);
    CHECK_EQ(PPCS_Close(h), ERROR_PPCS_SUCCESSFUL);
    pthread_join(t, NULL); /* returns: the read without a time limit was woken */
    CHECK_EQ(br.ret, ERROR_PPCS_SESSION_CLOSED_CALLED);
    CHECK_EQ(br.size, 0);
    CHECK_EQ(pppp_ppcs_blocked_calls(h), ERROR_PPCS_INVALID_SESSION_HANDLE);
    CHECK_EQ(PPCS_Check(h, &si), ERROR_PPCS_INVALID_SESSION_HANDLE);
}

/* A handle carries its slot's generation (handle = generation * 512 + slot): once closed it
 * stays invalid, also when a later session takes its slot (the least used free slot, so
 * after 512 sessions), instead of reading that other session. */
static void test_stale_handles(void) {
    char buf[16];
    INT32 size = sizeof buf;
    st_PPCS_Session si;
    INT32 stale = PPCS_Connect(uid, 1, 0);
    CHECK(stale >= 0);
    CHECK_EQ(PPCS_ForceClose(stale), ERROR_PPCS_SUCCESSFUL);
    INT32 h = -1;
    for (int i = 0; i < 600; i++) {
        h = PPCS_Connect(uid, 1, 0);
        CHECK(h >= 0);
        if (h < 0 || h % 512 == stale % 512) {
            break;
        }
        CHECK_EQ(PPCS_ForceClose(h), ERROR_PPCS_SUCCESSFUL);
    }
    CHECK_EQ(h % 512, stale % 512); /* the slot was reused… */
    CHECK_EQ(h, stale + 512);       /* …by the next generation */
    CHECK_EQ(PPCS_Check(stale, &si), ERROR_PPCS_INVALID_SESSION_HANDLE);
    CHECK_EQ(PPCS_Read(stale, 0, buf, &size, 0), ERROR_PPCS_INVALID_SESSION_HANDLE);
    CHECK_EQ(PPCS_Write(stale, 0, buf, 4), ERROR_PPCS_INVALID_SESSION_HANDLE);
    CHECK_EQ(PPCS_Check_Buffer(stale, 0, NULL, NULL), ERROR_PPCS_INVALID_SESSION_HANDLE);
    CHECK_EQ(PPCS_PktSend(stale, 0, buf, 4), ERROR_PPCS_INVALID_SESSION_HANDLE);
    CHECK_EQ(PPCS_Close(stale), ERROR_PPCS_INVALID_SESSION_HANDLE);
    CHECK_EQ(PPCS_ForceClose(stale), ERROR_PPCS_INVALID_SESSION_HANDLE);
    /* The session in the slot was not touched by any of that. */
    CHECK_EQ(PPCS_Check(h, &si), ERROR_PPCS_SUCCESSFUL);
    CHECK_EQ(PPCS_ForceClose(h), ERROR_PPCS_SUCCESSFUL);
}

static void test_connect_break(void) {
    struct blocked_connect bc = {"ZZZZ-000002-ABCDE", 1, PTHREAD_MUTEX_INITIALIZER, 0};
    pthread_t t;
    pthread_create(&t, NULL, connector, &bc);
    /* Break until the connect has ended (a break before it started does not count): it
     * must end by the break, long before its 10 s search time. */
    for (int done = 0; !done;) {
        struct timespec pause = {0, 50 * 1000 * 1000};
        nanosleep(&pause, NULL);
        CHECK_EQ(PPCS_Connect_Break(), ERROR_PPCS_SUCCESSFUL);
        pthread_mutex_lock(&bc.lock);
        done = bc.done;
        pthread_mutex_unlock(&bc.lock);
    }
    pthread_join(t, NULL);
    CHECK_EQ(bc.ret, ERROR_PPCS_USER_CONNECT_BREAK);
}

/* The write buffer limit and the remote close, against a camera this test owns and stops. */
static void test_buffer_full_and_remote_silence(void) {
    pppp_camera_config cc;
    pppp_camera_config_init(&cc);
    cc.uid = "VSTC-000777-QWERT";
    pppp_camera *cam = NULL;
    CHECK_EQ(pppp_camera_start(&cc, &cam), PPPP_RESULT_OK);
    if (cam == NULL) {
        return;
    }
    char lan[64];
    pppp_camera_lan_addr(cam, lan, sizeof lan);
    const char *saved = getenv("PPPP_LAN_TARGETS");
    char saved_copy[256] = "";
    if (saved != NULL) {
        strncpy(saved_copy, saved, sizeof saved_copy - 1);
    }
    setenv("PPPP_LAN_TARGETS", lan, 1);
    INT32 h = PPCS_Connect("VSTC-000777-QWERT", 1, 0);
    CHECK(h >= 0);
    pppp_camera_free(&cam); /* nothing acknowledges from now on */
    static char chunk[2 * 1024 * 1024];
    CHECK_EQ(PPCS_Write(h, 2, chunk, (INT32)sizeof chunk), (INT32)sizeof chunk);
    CHECK_EQ(PPCS_Write(h, 2, chunk, 1), ERROR_PPCS_REMOTE_SITE_BUFFER_FULL);
    UINT32 w = 0;
    CHECK_EQ(PPCS_Check_Buffer(h, 2, &w, NULL), ERROR_PPCS_SUCCESSFUL);
    CHECK_EQ(w, sizeof chunk);
    /* The silent camera is declared dead after SessAliveSec (6 s): a blocked read learns it. */
    char buf[16];
    INT32 size = sizeof buf;
    CHECK_EQ(PPCS_Read(h, 1, buf, &size, 0xFFFFFFFFu), ERROR_PPCS_SESSION_CLOSED_TIMEOUT);
    st_PPCS_Session si;
    CHECK_EQ(PPCS_Check(h, &si), ERROR_PPCS_SESSION_CLOSED_TIMEOUT);
    CHECK_EQ(PPCS_ForceClose(h), ERROR_PPCS_SUCCESSFUL);
    if (saved != NULL) {
        setenv("PPPP_LAN_TARGETS", saved_copy, 1);
    }
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s UID\n", argv[0]);
        return 2;
    }
    uid = argv[1];
    test_before_initialize();
    test_misc();
    test_sessions();
    test_stale_handles();
    test_connect_break();
    test_buffer_full_and_remote_silence();
    CHECK_EQ(PPCS_DeInitialize(), ERROR_PPCS_SUCCESSFUL);
    CHECK_EQ(PPCS_DeInitialize(), ERROR_PPCS_NOT_INITIALIZED);
    CHECK_DONE("ppcs_api");
}
