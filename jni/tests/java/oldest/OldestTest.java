// The oldest generation's API (3-argument StartPPPP, 2-argument StartPPPPLivestream, 33-int
// alarm settings, old callback descriptors) against an emulated VStarcam MJPEG camera.
// Argument: the DID.
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import pppptest.Support;
import vstc2.nativecaller.NativeCaller;

public class OldestTest {
    /** A receiver of the older demos: a plain class with private callbacks. */
    static class Receiver {
        final List<String> statuses = Collections.synchronizedList(new ArrayList<>());
        final List<String> search = Collections.synchronizedList(new ArrayList<>());
        final List<String> results = Collections.synchronizedList(new ArrayList<>());
        final AtomicInteger jpegs = new AtomicInteger();
        final AtomicInteger alarms = new AtomicInteger();
        final AtomicInteger wifi = new AtomicInteger();
        volatile int wifiEnd = -1;

        private void PPPPMsgNotify(String did, int type, int param) {
            statuses.add(did + " " + type + " " + param);
        }

        private void VideoData(String did, byte[] buf, int h264Data, int len, int width, int height, int time, int sessid, int version) {
            if (h264Data == 0 && Support.isJpeg(buf, len) && width == 320 && height == 240) {
                jpegs.incrementAndGet();
            }
        }

        private void SearchResult(int cameraType, String mac, String name, String did, String ip, int port) {
            search.add(did + " " + ip);
        }

        private void CallBack_SetSystemParamsResult(String did, int paramType, int result) {
            results.add(paramType + " " + result);
        }

        private void CallBack_AlarmParams(String did, int a0, int a1, int a2, int a3, int a4, int a5, int a6, int a7, int a8, int a9, int a10, int a11,
                int s0, int s1, int s2, int s3, int s4, int s5, int s6, int s7, int s8, int s9, int s10, int s11, int s12, int s13, int s14, int s15, int s16, int s17, int s18, int s19, int s20) {
            alarms.incrementAndGet();
        }

        private void CallBack_WifiScanResult(String did, String ssid, String mac, int security, int dbm0, int dbm1, int mode, int channel, int bEnd) {
            wifi.incrementAndGet();
            if (bEnd == 1) {
                wifiEnd = wifi.get();
            }
        }
    }

    public static void main(String[] args) throws Exception {
        String did = args[0];
        Receiver r = new Receiver();
        NativeCaller.PPPPInitial("");
        NativeCaller.Init();
        Support.check(NativeCaller.PPPPSetCallbackContext(r) == 0, "PPPPSetCallbackContext(Object)");
        Support.check(NativeCaller.OpenAvi("x", "MJPG", 240, 320, 10) == -3 && NativeCaller.CloseAvi() == -3
                && NativeCaller.WriteData(new byte[1], 1, 1) == -3 && NativeCaller.StartPlayBack(did, "f", 0, 0) == -3, "old AVI and playback helpers link");
        NativeCaller.StartSearch();
        Support.check(Support.await(() -> r.search.contains(did + " 127.0.0.1"), 5000), "SearchResult (old descriptor)");
        NativeCaller.StopSearch();
        Support.check(NativeCaller.StartPPPP(did, "admin", "6666") == 0, "StartPPPP (3 arguments)");
        Support.check(Support.await(() -> r.statuses.contains(did + " 0 2"), 8000), "ON_LINE");
        Support.check(NativeCaller.StartPPPPLivestream(did, 10) == 0, "StartPPPPLivestream (2 arguments)");
        Support.check(Support.await(() -> r.jpegs.get() >= 30, 15000), "30 JPEG frames (old VideoData descriptor)");
        int[] z = new int[33];
        Support.check(NativeCaller.PPPPAlarmSetting(did, 1, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0) == 0, "PPPPAlarmSetting (33 ints)");
        Support.check(Support.await(() -> r.results.contains("18 0") || r.results.contains("18 1"), 5000), "alarm setting result");
        Support.check(NativeCaller.PPPPSDRecordSetting(did, 1, 15, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0) == 0, "PPPPSDRecordSetting (25 ints)");
        Support.check(Support.await(() -> r.results.contains("28 0") || r.results.contains("28 1"), 5000), "record schedule result");
        Support.check(NativeCaller.PPPPGetSystemParams(did, 0x26) == 0, "PPPPGetSystemParams(ALARM_PARAMS)");
        Support.check(Support.await(() -> r.alarms.get() == 1, 5000), "CallBack_AlarmParams (33 ints): " + r.alarms.get());
        Support.check(NativeCaller.PPPPGetSystemParams(did, 0x14) == 0, "PPPPGetSystemParams(WIFI_SCAN)");
        Support.check(Support.await(() -> r.wifiEnd == 2, 5000), "two CallBack_WifiScanResult, the last with bEnd");
        Support.check(NativeCaller.StopPPPP(did) == 0, "StopPPPP");
        NativeCaller.Free();
        Support.done();
    }
}
