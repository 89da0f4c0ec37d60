/*
 * PPCS_API.h - the CS2 P2P SDK client API (PPCS_* functions) as implemented by pppp: the
 * vendor's function names, signatures, structures and error codes, so that programs written
 * for libPPCS_API rebuild unchanged against libPPCS_API.so from pppp (a link to libpppp).
 *
 * Written for pppp; it declares what the vendor headers declare, with pppp's semantics:
 *  - LAN only, nothing is sent to the P2P servers. PPCS_Connect finds the device by the LAN
 *    search: broadcast on every IPv4 interface, or unicast to the addresses listed in the
 *    environment variable PPPP_LAN_TARGETS=host[:port],... (cameras on another subnet, tests
 *    on loopback). PPCS_ConnectByServer with a ServerString that names servers returns
 *    ERROR_PPCS_NOT_SUPPORTED (unless PPPP_IGNORE_SERVERS=1 asks for the LAN anyway).
 *  - bEnableLanSearch: bit 0 must be set (LAN search), bits 1-4 give the search time in
 *    seconds (0: 5 s, 15: 3 s); 0x7A-0x7E search for 10 s (or "0x7X_Timeout" of a JSON server
 *    string); 0x7F/0x79 only probe: 0 when the device answers, ERROR_PPCS_DEVICE_NOT_ONLINE if
 *    not. Values with bit 0 clear get ERROR_PPCS_NOT_SUPPORTED.
 *  - Client side only: PPCS_Listen returns ERROR_PPCS_NOT_SUPPORTED.
 *  - Handles are non-negative: handle = generation * 512 + slot, where a new session takes the
 *    free slot used least (so the first 512 handles are 0, 1, 2, ...) and generation counts the
 *    sessions its slot held before. A closed handle stays invalid
 *    (ERROR_PPCS_INVALID_SESSION_HANDLE) instead of naming a later session; index an array of
 *    MAX_NUM_SESS entries by handle % 512. Every function may be called from several threads at
 *    once on one session; PPCS_Close/PPCS_ForceClose/PPCS_Connect_Break wake blocked calls.
 *  - PPCS_Read blocks until *DataSize bytes arrived or TimeOut_ms passed (0xFFFFFFFF: no
 *    limit); on ERROR_PPCS_TIME_OUT *DataSize holds the bytes read so far. PPCS_Write never
 *    blocks: ERROR_PPCS_REMOTE_SITE_BUFFER_FULL when 2 MB would be unacknowledged.
 *  - PPCS_PktSend/PPCS_PktRecv: unreliable packets of 1-1024 bytes (MSG_PSR).
 */
#ifndef PPCS_API_H
#define PPCS_API_H

#include "PPCS_Type.h"
#include "PPCS_Error.h"

#if defined(_WIN32)
#include <winsock2.h>
#else
#include <netinet/in.h>
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* 36 bytes, no padding. */
typedef struct {
    CHAR bFlagInternet;     /* Internet reachable? pppp: 0 (no server is contacted) */
    CHAR bFlagHostResolved; /* P2P server resolved? pppp: 0 */
    CHAR bFlagServerHello;  /* hello from a P2P server? pppp: 0 */
    CHAR NAT_Type;          /* 0 unknown, 1 IP-restricted cone, 2 port-restricted, 3 symmetric */
    CHAR MyLanIP[16];       /* own LAN IP, dotted */
    CHAR MyWanIP[16];       /* own WAN IP, dotted; pppp: "0.0.0.0" */
} st_PPCS_NetInfo;

/* 84 bytes. */
typedef struct {
    INT32 Skt;                      /* the session's UDP socket */
    struct sockaddr_in RemoteAddr;  /* the device */
    struct sockaddr_in MyLocalAddr; /* our address toward it */
    struct sockaddr_in MyWanAddr;   /* pppp: zero (unknown) */
    UINT32 ConnectTime;             /* seconds since the connection was built */
    CHAR DID[24];                   /* the device ID */
    CHAR bCorD;                     /* 0: client */
    CHAR bMode;                     /* 0: P2P (LAN), 1 UDP relay, 2 TCP relay, 3 RP2P */
    CHAR Reserved[2];
} st_PPCS_Session;

PPPP_API_API UINT32 PPCS_GetAPIVersion(void);
PPPP_API_API CHAR *PPCS_GetAPIInformation(void);
PPPP_API_API INT32 PPCS_QueryDID(const CHAR *DeviceName, CHAR *DID, INT32 DIDBufSize);
PPPP_API_API INT32 PPCS_Initialize(CHAR *Parameter);
PPPP_API_API INT32 PPCS_DeInitialize(void);
PPPP_API_API INT32 PPCS_NetworkDetect(st_PPCS_NetInfo *NetInfo, UINT16 UDP_Port);
PPPP_API_API INT32 PPCS_NetworkDetectByServer(st_PPCS_NetInfo *NetInfo, UINT16 UDP_Port,
                                              CHAR *ServerString);
PPPP_API_API INT32 PPCS_Share_Bandwidth(CHAR bOnOff);
PPPP_API_API INT32 PPCS_Enable_SmartDevice(CHAR bOnOff);
PPPP_API_API INT32 PPCS_Listen(const CHAR *MyID, const UINT32 TimeOut_Sec, UINT16 UDP_Port,
                               CHAR bEnableInternet, const CHAR *APILicense);
PPPP_API_API INT32 PPCS_Listen_Break(void);
PPPP_API_API INT32 PPCS_LoginStatus_Check(CHAR *bLoginStatus);
PPPP_API_API INT32 PPCS_Connect(const CHAR *TargetID, CHAR bEnableLanSearch, UINT16 UDP_Port);
PPPP_API_API INT32 PPCS_ConnectByServer(const CHAR *TargetID, CHAR bEnableLanSearch,
                                        UINT16 UDP_Port, CHAR *ServerString);
PPPP_API_API INT32 PPCS_Connect_Break(void);
PPPP_API_API INT32 PPCS_Check(INT32 SessionHandle, st_PPCS_Session *SInfo);
PPPP_API_API INT32 PPCS_Close(INT32 SessionHandle);
PPPP_API_API INT32 PPCS_ForceClose(INT32 SessionHandle);
PPPP_API_API INT32 PPCS_Write(INT32 SessionHandle, UCHAR Channel, CHAR *DataBuf,
                              INT32 DataSizeToWrite);
PPPP_API_API INT32 PPCS_Read(INT32 SessionHandle, UCHAR Channel, CHAR *DataBuf,
                             INT32 *DataSize, UINT32 TimeOut_ms);
PPPP_API_API INT32 PPCS_Check_Buffer(INT32 SessionHandle, UCHAR Channel, UINT32 *WriteSize,
                                     UINT32 *ReadSize);
PPPP_API_API INT32 PPCS_PktSend(INT32 SessionHandle, UCHAR Channel, CHAR *PktBuf,
                                INT32 PktSize);
PPPP_API_API INT32 PPCS_PktRecv(INT32 SessionHandle, UCHAR Channel, CHAR *PktBuf,
                                INT32 *PktSize, UINT32 TimeOut_ms);

#ifdef __cplusplus
}
#endif

#endif /* PPCS_API_H */
