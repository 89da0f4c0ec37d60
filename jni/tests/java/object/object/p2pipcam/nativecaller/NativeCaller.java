// A SHIX-family app's natives (docs/vendor-api.md §3.1, §3.2b), written for the tests.
package object.p2pipcam.nativecaller;

public class NativeCaller {
    static {
        System.loadLibrary("object_jni");
    }

    public static native void PPPPInitial(String svr);
    public static native int PPPPSetCallbackContext(Object object);
    public static native int StartPPPP(String did, String user, String pwd, String server);
    public static native int StopPPPP(String did);
    public static native void StartSearch();
    public static native void StopSearch();
    public static native int StartPPPPLivestream(String did, int streamid, String fileName, int videoFram);
    public static native int StopPPPPLivestream(String did);
    public static native int TransferMessage(String did, String cgi, int type);
    public static native int TransferMessage1(String did, String cgi, int type);
    public static native int PPPPPTZControl(String did, int command);
    public static native int PPPPStartTalk(String did, int mode);
    public static native int PPPPDatetimeSetting(String did, int now, int tz, int ntp_enable, String ntp_svr, int xialingshi);
    public static native int SnapShot(String did, String filename);
    public static native int OpenAviFileName(String did, String filename, String forcc, int height, int width, int framerate);
    public static native int CloseAvi(String did);
    public static native int WriteData(String did, byte[] data, int len, int keyframe);
    public static native int WriteAudioData(String did, byte[] data, int len);
    public static native int SetAPParam(String did, String ssid, String pwd);
    public static native int DeletFile(String did, String name);
    public static native int PPPPSetUserTime(String did, int enable, int mode, int startday, int endday, int starttime_min, int endtime_min);
    public static native int PPPPAlarmOpenCloseSetting(String did, int motion_armed, int input_armed);
    public static native int PPPPGetSystemParams(String did, int paramType);
}
