// The newest SDK generation's natives (docs/vendor-api.md §2.1 column C), written for the tests.
package vstc2.nativecaller;

import android.content.Context;

public class NativeCaller {
    static {
        System.loadLibrary("vstc2_jni");
    }

    public static native void PPPPInitial(String svr);
    public static native void PPPPInitialOther(String svr);
    public static native void Init();
    public static native void Free();
    public static native int PPPPSetCallbackContext(Context object);
    public static native int PPPPSetCallbackContext2(Context object, int version);
    public static native int PPPPNetworkDetect();
    public static native int StartPPPP(String did, String user, String pwd, int bEnableLanSearch, String accountname, int p2pVer);
    public static native int StartPPPPExt(String did, String user, String pwd, int bEnableLanSearch, String accountname, String svr_no, int p2pVer);
    public static native int StopPPPP(String did);
    public static native int GetP2PConnetState(String jdid);
    public static native int GetP2PVersion(int p2pVer);
    public static native int GetVersion();
    public static native void PTPInitial(String s);
    public static native void QXPTPInitial(String s);
    public static native int IsPTPInitial();
    public static native int IsQXPTPInitial();
    public static native void PrintJNILog(int nEnable);
    public static native int StartVUID(String did, String pwd, int bEnableLanSearch, String accountname, String svr_no, int add, String strVUID, long timestamp);
    public static native void StartSearch();
    public static native void StopSearch();

    public static native int StartPPPPLivestream(String did, int streamid, int substreamid);
    public static native int StopPPPPLivestream(String did);
    public static native int PPPPStartAudio(String did);
    public static native int PPPPStopAudio(String did);
    public static native int PPPPStartTalk(String did);
    public static native int PPPPStopTalk(String did);
    public static native int PPPPStartTalk2(String did, int nEnable);
    public static native int PPPPTalkAudioData(String did, byte[] data, int len);
    public static native int StartPlayBack(String did, String filename, int offset, long size, String strCachePath, int sdkVersion, int isHD);
    public static native int StopPlayBack(String did);
    public static native int PausePlayBack(String did, int pause);
    public static native long PlayBackMovePos(String did, float pos);
    public static native int SetPlayBackPos(String did, long time);
    public static native int StrarRecordPlayBack(String did, String filepath);
    public static native int RecordLocal(String uid, String path, int bRecordLocal);
    public static native int SetHardCodeing(String did, int IsSupport);
    public static native int YUV4202RGB565(byte[] yuv, byte[] rgb, int width, int height);
    public static native int DecodeH264Frame(byte[] h264frame, int bIFrame, byte[] yuvbuf, int length, int[] size);
    public static native int ResetDecodeH264();
    public static native int DecodeAudio(byte[] aData, int length, int isClean, int sample, int index);
    public static native int FreeDecodeAudio();

    public static native int TransferMessage(String did, String msg, int len);
    public static native int PPPPPTZControl(String did, int command);
    public static native int PPPPCameraControl(String did, int param, int value);
    public static native int PPPPGetCGI(String did, int cgi);
    public static native int PPPPGetSystemParams(String did, int paramType);
    public static native int PPPPRebootDevice(String did);
    public static native int PPPPRestorFactory(String did);
    public static native void FormatSD(String did);
    public static native int PPPPGetSDCardRecordFileList(String did, int PageIndex, int PageSize);
    public static native int PPPPWifiSetting(String did, int enable, String ssid, int channel, int mode, int authtype, int encryp, int keyformat, int defkey, String key1, String key2, String key3, String key4, int key1_bits, int key2_bits, int key3_bits, int key4_bits, String wpa_psk);
    public static native int PPPPNetworkSetting(String did, String ipaddr, String netmask, String gateway, String dns1, String dns2, int dhcp, int port, int rtsport);
    public static native int PPPPUserSetting(String did, String user1, String pwd1, String user2, String pwd2, String user3, String pwd3);
    public static native int PPPPDatetimeSetting(String did, int now, int tz, int ntp_enable, String ntp_svr);
    public static native int PPPPDDNSSetting(String did, int service, String user, String pwd, String host, String proxy_svr, int ddns_mode, int proxy_port);
    public static native int PPPPMailSetting(String did, String svr, int port, String user, String pwd, int ssl, String sender, String receiver1, String receiver2, String receiver3, String receiver4);
    public static native int PPPPFtpSetting(String did, String svr_ftp, String user, String pwd, String dir, int port, int mode, int upload_interval);
    public static native int PPPPPTZSetting(String did, int led_mod, int ptz_center_onstart, int ptz_run_times, int ptz_patrol_rate, int ptz_patrul_up_rate, int ptz_patrol_down_rate, int ptz_patrol_left_rate, int ptz_patrol_right_rate, int disable_preset);
    public static native int PPPPAlarmSetting(String did, int alarm_audio, int motion_armed, int motion_sensitivity, int input_armed, int ioin_level, int iolinkage, int ioout_level, int mail, int upload_interval, int record, int preset, int snapshot, int schedule_enable,
            int s0, int s1, int s2, int s3, int s4, int s5, int s6, int s7, int s8, int s9, int s10, int s11, int s12, int s13, int s14, int s15, int s16, int s17, int s18, int s19, int s20,
            int d1, int d2, int d3, int d4, int d5, int d6, int d7, int d8, int d9, int d10, int d11, int d12, int d13, int d14, int d15, int d16, int d17, int d18, int d19, int d20, int d21, int remind_rate);
    public static native int PPPPSDRecordSetting(String did, int record_cover_enable, int record_timer, int record_size, int record_chnl, int record_time_enable,
            int s0, int s1, int s2, int s3, int s4, int s5, int s6, int s7, int s8, int s9, int s10, int s11, int s12, int s13, int s14, int s15, int s16, int s17, int s18, int s19, int s20, int audio_enable);
    public static native int PPPPEverydaySetting(String did, int record_cover_enable, int record_timer, int record_size, int record_chnl, int record_time_enable, int audio_enble);
    public static native void UpgradeFirmware(String did, String servPath, String filePath, int type);
    public static native int SetSensorStatus(String did, int status);
    public static native int DeleSensor(String did, int id);
    public static native int EditSensor(String did, int id, String name);
    public static native int SetSensorPrest(String did, int id, int preset);
    public static native void SetAPPDataPath(String path);
    public static native int FindProcessByName(String name);
}
