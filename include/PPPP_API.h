/*
 * PPPP_API.h - the legacy CS2 P2P SDK client API (PPPP_* functions) as implemented by pppp:
 * the vendor's names, signatures, structures and error codes (PPPP_Listen with four
 * parameters), for programs written for libPPPP_API. Same semantics as PPCS_API.h (LAN only,
 * PPPP_LAN_TARGETS, client side only); PPPP_ConnectByServer and PPPP_NetworkDetectByServer,
 * exported by the vendor's library without a declaration, are declared here too.
 */
#ifndef PPPP_API_H
#define PPPP_API_H

#include "PPCS_Type.h"
#include "PPPP_Error.h"

#if defined(_WIN32)
#include <winsock2.h>
#else
#include <netinet/in.h>
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* 36 bytes, the layout of st_PPCS_NetInfo. */
typedef struct {
    CHAR bFlagInternet;
    CHAR bFlagHostResolved;
    CHAR bFlagServerHello;
    CHAR NAT_Type;
    CHAR MyLanIP[16];
    CHAR MyWanIP[16];
} st_PPPP_NetInfo;

/* 84 bytes, the layout of st_PPCS_Session. */
typedef struct {
    INT32 Skt;
    struct sockaddr_in RemoteAddr;
    struct sockaddr_in MyLocalAddr;
    struct sockaddr_in MyWanAddr;
    UINT32 ConnectTime;
    CHAR DID[24];
    CHAR bCorD;
    CHAR bMode;
    CHAR Reserved[2];
} st_PPPP_Session;

PPPP_API_API UINT32 PPPP_GetAPIVersion(void);
PPPP_API_API INT32 PPPP_QueryDID(const CHAR *DeviceName, CHAR *DID, INT32 DIDBufSize);
PPPP_API_API INT32 PPPP_Initialize(CHAR *Parameter);
PPPP_API_API INT32 PPPP_DeInitialize(void);
PPPP_API_API INT32 PPPP_NetworkDetect(st_PPPP_NetInfo *NetInfo, UINT16 UDP_Port);
PPPP_API_API INT32 PPPP_NetworkDetectByServer(st_PPPP_NetInfo *NetInfo, UINT16 UDP_Port,
                                              CHAR *ServerString);
PPPP_API_API INT32 PPPP_Share_Bandwidth(CHAR bOnOff);
PPPP_API_API INT32 PPPP_Listen(const CHAR *MyID, const UINT32 TimeOut_Sec, UINT16 UDP_Port,
                               CHAR bEnableInternet);
PPPP_API_API INT32 PPPP_Listen_Break(void);
PPPP_API_API INT32 PPPP_LoginStatus_Check(CHAR *bLoginStatus);
PPPP_API_API INT32 PPPP_Connect(const CHAR *TargetID, CHAR bEnableLanSearch, UINT16 UDP_Port);
PPPP_API_API INT32 PPPP_ConnectByServer(const CHAR *TargetID, CHAR bEnableLanSearch,
                                        UINT16 UDP_Port, CHAR *ServerString);
PPPP_API_API INT32 PPPP_Connect_Break(void);
PPPP_API_API INT32 PPPP_Check(INT32 SessionHandle, st_PPPP_Session *SInfo);
PPPP_API_API INT32 PPPP_Close(INT32 SessionHandle);
PPPP_API_API INT32 PPPP_ForceClose(INT32 SessionHandle);
PPPP_API_API INT32 PPPP_Write(INT32 SessionHandle, UCHAR Channel, CHAR *DataBuf,
                              INT32 DataSizeToWrite);
PPPP_API_API INT32 PPPP_Read(INT32 SessionHandle, UCHAR Channel, CHAR *DataBuf,
                             INT32 *DataSize, UINT32 TimeOut_ms);
PPPP_API_API INT32 PPPP_Check_Buffer(INT32 SessionHandle, UCHAR Channel, UINT32 *WriteSize,
                                     UINT32 *ReadSize);

#ifdef __cplusplus
}
#endif

#endif /* PPPP_API_H */
