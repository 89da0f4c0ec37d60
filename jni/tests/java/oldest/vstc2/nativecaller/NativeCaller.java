// The oldest SDK generation's natives (docs/vendor-api.md §2.1 column A), written for the tests.
package vstc2.nativecaller;

public class NativeCaller {
    static {
        System.loadLibrary("vstc2_jni");
    }

    public static native void PPPPInitial(String svr);
    public static native void PPPPInitialOther(String svr);
    public static native void Init();
    public static native void Free();
    public static native int PPPPSetCallbackContext(Object object);
    public static native int PPPPNetworkDetect();
    public static native int StartPPPP(String did, String user, String pwd);
    public static native int StopPPPP(String did);
    public static native void StartSearch();
    public static native void StopSearch();
    public static native int StartPPPPLivestream(String did, int streamid);
    public static native int StopPPPPLivestream(String did);
    public static native int PPPPStartAudio(String did);
    public static native int PPPPStopAudio(String did);
    public static native int PPPPStartTalk(String did);
    public static native int PPPPStopTalk(String did);
    public static native int PPPPTalkAudioData(String did, byte[] data, int len);
    public static native int StartPlayBack(String did, String filename, int offset, int picTag);
    public static native int StopPlayBack(String did);
    public static native int YUV4202RGB565(byte[] yuv, byte[] rgb, int width, int height);
    public static native int DecodeH264Frame(byte[] h264frame, int bIFrame, byte[] yuvbuf, int length, int[] size);
    public static native int OpenAvi(String filename, String forcc, int height, int width, int framerate);
    public static native int CloseAvi();
    public static native int WriteData(byte[] data, int len, int keyframe);
    public static native int TransferMessage(String did, String msg, int len);
    public static native int PPPPPTZControl(String did, int command);
    public static native int PPPPCameraControl(String did, int param, int value);
    public static native int PPPPGetSystemParams(String did, int paramType);
    public static native int PPPPRebootDevice(String did);
    public static native int PPPPRestorFactory(String did);
    public static native int PPPPGetSDCardRecordFileList(String did, int startTime, int endTime);
    public static native int PPPPAlarmSetting(String did, int motion_armed, int motion_sensitivity, int input_armed, int ioin_level, int iolinkage, int ioout_level, int mail, int upload_interval, int record, int preset, int snapshot, int schedule_enable,
            int s0, int s1, int s2, int s3, int s4, int s5, int s6, int s7, int s8, int s9, int s10, int s11, int s12, int s13, int s14, int s15, int s16, int s17, int s18, int s19, int s20);
    public static native int PPPPSDRecordSetting(String did, int record_cover_enable, int record_timer, int record_size, int record_time_enable,
            int s0, int s1, int s2, int s3, int s4, int s5, int s6, int s7, int s8, int s9, int s10, int s11, int s12, int s13, int s14, int s15, int s16, int s17, int s18, int s19, int s20);
}
