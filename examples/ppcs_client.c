/*
 * ppcs_client.c - a program written against the vendor CS2 SDK API (PPCS_API.h), unchanged
 * source: build it with -lPPCS_API against pppp's libPPCS_API.so instead of the vendor's.
 *
 *   PPPP_LAN_TARGETS=192.168.1.50 ppcs_client UID [FRAMES]
 *
 * The vendor API has no parameter for the camera's address: pppp finds it by LAN broadcast,
 * or by unicast at the addresses of PPPP_LAN_TARGETS. The program speaks the SHIX JSON
 * dialect itself over the raw channels: channel 0 carries commands (06 0a a0 80, u32 length,
 * JSON) and their replies, channel 1 the video (32-byte AV header, then the image).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "PPCS_API.h"

#define CH_CMD 0
#define CH_VIDEO 1
#define CH_PKT 5

/* Reads exactly n bytes, tolerating ERROR_PPCS_TIME_OUT with partial data, up to `tries`. */
static int read_exact(INT32 h, UCHAR ch, char *buf, INT32 n, int tries) {
    INT32 got = 0;
    while (got < n && tries-- > 0) {
        INT32 size = n - got;
        INT32 ret = PPCS_Read(h, ch, buf + got, &size, 1000);
        if (ret != ERROR_PPCS_SUCCESSFUL && ret != ERROR_PPCS_TIME_OUT) {
            fprintf(stderr, "PPCS_Read(ch%d) = %d\n", (int)ch, (int)ret);
            return ret;
        }
        got += size;
    }
    return got == n ? 0 : ERROR_PPCS_TIME_OUT;
}

static unsigned le32(const unsigned char *p) {
    return (unsigned)p[0] | (unsigned)p[1] << 8 | (unsigned)p[2] << 16 | (unsigned)p[3] << 24;
}

/* Sends a SHIX JSON command on channel 0 and prints the reply. */
static int command(INT32 h, const char *json) {
    size_t len = strlen(json);
    char *block = malloc(8 + len);
    if (block == NULL) {
        return -1;
    }
    const unsigned char head[8] = {0x06, 0x0a, 0xa0, 0x80, (unsigned char)(len & 0xff),
                                   (unsigned char)(len >> 8 & 0xff),
                                   (unsigned char)(len >> 16 & 0xff), (unsigned char)(len >> 24)};
    memcpy(block, head, 8);
    memcpy(block + 8, json, len);
    INT32 ret = PPCS_Write(h, CH_CMD, block, (INT32)(8 + len));
    free(block);
    if (ret != (INT32)(8 + len)) {
        fprintf(stderr, "PPCS_Write = %d\n", (int)ret);
        return -1;
    }
    unsigned char rh[8];
    if (read_exact(h, CH_CMD, (char *)rh, 8, 10) != 0 || rh[0] != 0x06 || rh[1] != 0x0a) {
        fprintf(stderr, "no reply header\n");
        return -1;
    }
    unsigned rlen = le32(rh + 4);
    if (rlen > 65536) {
        return -1;
    }
    char *reply = calloc(1, rlen + 1);
    if (reply == NULL || read_exact(h, CH_CMD, reply, (INT32)rlen, 10) != 0) {
        free(reply);
        return -1;
    }
    printf("reply: %s\n", reply);
    /* The reply's "result" member: 0 is success. */
    const char *res = strstr(reply, "\"result\"");
    int ok = 0;
    if (res != NULL) {
        res += strlen("\"result\"");
        while (*res == ' ' || *res == '\t' || *res == ':' || *res == '\n') {
            res++;
        }
        ok = strtol(res, NULL, 10) == 0 && *res == '0';
    }
    free(reply);
    return ok ? 0 : -1;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s UID [FRAMES]\n", argv[0]);
        return 2;
    }
    int frames = argc > 2 ? atoi(argv[2]) : 5;
    UINT32 v = PPCS_GetAPIVersion();
    printf("API version %u.%u.%u.%u\n", v >> 24, v >> 16 & 0xff, v >> 8 & 0xff, v & 0xff);
    printf("API information: %s\n", PPCS_GetAPIInformation());

    char init[] = "{\"InitString\":\"\",\"MaxNumSess\":4,\"SessAliveSec\":10}";
    INT32 ret = PPCS_Initialize(init);
    if (ret != ERROR_PPCS_SUCCESSFUL && ret != ERROR_PPCS_ALREADY_INITIALIZED) {
        fprintf(stderr, "PPCS_Initialize = %d\n", (int)ret);
        return 1;
    }
    st_PPCS_NetInfo net;
    if (PPCS_NetworkDetect(&net, 0) == ERROR_PPCS_SUCCESSFUL) {
        printf("LAN IP %s, WAN IP %s, NAT type %d\n", net.MyLanIP, net.MyWanIP, net.NAT_Type);
    }

    INT32 h = PPCS_Connect(argv[1], 1, 0);
    if (h < 0) {
        fprintf(stderr, "PPCS_Connect(%s) = %d\n", argv[1], (int)h);
        PPCS_DeInitialize();
        return 3;
    }
    printf("session handle %d\n", (int)h);
    st_PPCS_Session si;
    if (PPCS_Check(h, &si) == ERROR_PPCS_SUCCESSFUL) {
        unsigned char *ip = (unsigned char *)&si.RemoteAddr.sin_addr.s_addr;
        printf("DID %s, remote %u.%u.%u.%u:%u, mode %d, connected %u s ago\n", si.DID, ip[0],
               ip[1], ip[2], ip[3], (unsigned)ntohs(si.RemoteAddr.sin_port), si.bMode,
               (unsigned)si.ConnectTime);
    }

    int code = 0;
    if (command(h, "{\"pro\":\"check_user\",\"cmd\":100,\"user\":\"admin\",\"pwd\":\"6666\"}") ||
        command(h, "{\"pro\":\"stream\",\"cmd\":111,\"video\":1,\"user\":\"admin\",\"pwd\":\"6666\"}")) {
        fprintf(stderr, "login or start video failed\n");
        code = 1;
    }
    for (int i = 0; code == 0 && i < frames; i++) {
        unsigned char av[32];
        if (read_exact(h, CH_VIDEO, (char *)av, 32, 10) != 0 || le32(av) != 0xa815aa55u) {
            fprintf(stderr, "bad AV header\n");
            code = 1;
            break;
        }
        unsigned len = le32(av + 16);
        char *img = len <= 8u << 20 ? malloc(len > 0 ? len : 1) : NULL;
        if (img == NULL || read_exact(h, CH_VIDEO, img, (INT32)len, 10) != 0) {
            free(img);
            code = 1;
            break;
        }
        int jpeg = len > 2 && (unsigned char)img[0] == 0xFF && (unsigned char)img[1] == 0xD8;
        printf("frame #%u: type %u, %u bytes%s\n", le32(av + 12), av[4], len,
               jpeg ? " (JPEG)" : "");
        free(img);
    }

    UINT32 w = 0, r = 0;
    if (PPCS_Check_Buffer(h, CH_VIDEO, &w, &r) == ERROR_PPCS_SUCCESSFUL &&
        PPCS_Check_Buffer(h, CH_CMD, NULL, NULL) == ERROR_PPCS_SUCCESSFUL) {
        printf("check buffer: %u unacknowledged, %u readable\n", (unsigned)w, (unsigned)r);
    } else {
        code = 1;
    }

    char ping[] = "ping over PSR";
    if (code == 0 && PPCS_PktSend(h, CH_PKT, ping, (INT32)sizeof ping) == (INT32)sizeof ping) {
        char back[64];
        INT32 n = sizeof back;
        ret = PPCS_PktRecv(h, CH_PKT, back, &n, 3000);
        if (ret == ERROR_PPCS_SUCCESSFUL && n == (INT32)sizeof ping && memcmp(back, ping, (size_t)n) == 0) {
            printf("packet echoed: %s\n", back);
        } else {
            fprintf(stderr, "PPCS_PktRecv = %d (%d bytes)\n", (int)ret, (int)n);
            code = 1;
        }
    }

    ret = PPCS_Close(h);
    printf("PPCS_Close = %d, then PPCS_Check = %d\n", (int)ret, (int)PPCS_Check(h, &si));
    PPCS_DeInitialize();
    return code;
}
