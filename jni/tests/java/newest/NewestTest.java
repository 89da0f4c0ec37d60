// The newest generation's API against emulated VStarcam cameras (CGI dialect): an MJPEG camera
// and an H.264 camera streaming an x264 High profile file. Arguments: MJPEG DID, H.264 DID.
import android.content.Context;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import pppptest.Support;
import vstc2.nativecaller.NativeCaller;

public class NewestTest {
    /** The app's receiver, as SDK demos write it: a Context subclass with private callbacks. */
    static class Bridge extends Context {
        final List<String> statuses = Collections.synchronizedList(new ArrayList<>());
        final List<String> messages = Collections.synchronizedList(new ArrayList<>());
        final List<String> search = Collections.synchronizedList(new ArrayList<>());
        final List<String> identities = Collections.synchronizedList(new ArrayList<>());
        final List<String> cmdStrings = Collections.synchronizedList(new ArrayList<>());
        final List<String> transfer = Collections.synchronizedList(new ArrayList<>());
        final List<String> results = Collections.synchronizedList(new ArrayList<>());
        final List<String> threads = Collections.synchronizedList(new ArrayList<>());
        volatile String cameraStatus;
        final AtomicInteger jpegs = new AtomicInteger();
        final AtomicInteger badJpegs = new AtomicInteger();
        final AtomicInteger yuvFrames = new AtomicInteger();
        final AtomicInteger badYuv = new AtomicInteger();
        final AtomicInteger h264Units = new AtomicInteger();
        final AtomicInteger audioFrames = new AtomicInteger();
        final AtomicInteger streamBeforeFrame = new AtomicInteger(-1);
        final AtomicLong calls = new AtomicLong();
        volatile int throwOnFrame = -1;
        volatile byte[] lastUnit;
        volatile int jpegW, jpegH;

        private void PPPPMsgNotify(String did, int type, int param) {
            calls.incrementAndGet();
            statuses.add(did + " " + type + " " + param);
            if (type == 2 && streamBeforeFrame.get() < 0) {
                streamBeforeFrame.set(jpegs.get() + yuvFrames.get());
            }
        }

        private void MessageNotify(String did, int type, int param) {
            calls.incrementAndGet();
            messages.add(did + " " + type + " " + param);
        }

        private void VideoData(String did, byte[] buf, int h264Data, int len, int width, int height, int timestamp, short milistamp, int sessid, int version, int originFrameLen) {
            calls.incrementAndGet();
            threads.add(Thread.currentThread().getName() + "/" + Thread.currentThread().isDaemon());
            if (h264Data == 0) {
                int n = jpegs.incrementAndGet();
                if (!Support.isJpeg(buf, len) || len != buf.length) {
                    badJpegs.incrementAndGet();
                }
                jpegW = width;
                jpegH = height;
                if (n == throwOnFrame) {
                    throw new IllegalStateException("thrown by VideoData on purpose");
                }
            } else {
                yuvFrames.incrementAndGet();
                if (width != 320 || height != 240 || len != width * height * 3 / 2 || buf.length != len) {
                    badYuv.incrementAndGet();
                }
            }
        }

        private void CallBack_H264Data(String did, byte[] h264, int type, int size, int timestamp, short milistamp, int sessid, int version) {
            calls.incrementAndGet();
            if (size == h264.length && h264.length > 4 && h264[0] == 0 && h264[1] == 0) {
                h264Units.incrementAndGet();
                if (type == 0) {
                    lastUnit = h264;
                }
            }
        }

        private void AudioData(byte[] pcm, int len) {
            calls.incrementAndGet();
            if (len > 0 && len % 2 == 0 && len == pcm.length) {
                audioFrames.incrementAndGet();
            }
        }

        private void SearchResult(String sysVer, String appVer, String mac, String name, String did, String ip, int port) {
            calls.incrementAndGet();
            search.add(did + " " + ip + " " + port);
            identities.add(did + "|" + sysVer + "|" + appVer + "|" + mac + "|" + name);
        }

        private void CallBack_SetSystemParamsResult(String did, int paramType, int result) {
            calls.incrementAndGet();
            results.add(did + " " + paramType + " " + result);
        }

        private void CallBackTransCMDString(String did, String cgi) {
            calls.incrementAndGet();
            cmdStrings.add(cgi);
        }

        private void CallBackTransferMessage(String did, String text, int cmd, int a, int b, int c, int d, int e, int f, int g) {
            calls.incrementAndGet();
            transfer.add(cmd + " " + text);
        }

        private void CallBack_CameraStatusParams(String did, String sysver, String devname, String devid, String appver, String oemid, int alarmstatus, int sdcardstatus, int sdcardtotalsize, int sdcardremainsize) {
            calls.incrementAndGet();
            cameraStatus = did + "|" + sysver + "|" + devname + "|" + devid + "|" + appver + "|" + sdcardtotalsize;
        }
    }

    static boolean hasStatus(Bridge b, String did, int code) {
        return b.statuses.contains(did + " 0 " + code);
    }

    public static void main(String[] args) throws Exception {
        String mjpeg = args[0];
        String h264 = args[1];
        Bridge b = new Bridge();
        NativeCaller.PPPPInitial("EBGAEIBIKHJJGFJKEOGCFAEPHPMAHONDGJFPBKCPAJJMLFKBDBAGCJPBGOLKIKLKAJMJKFDOOFMOBECEJIMM");
        NativeCaller.Init();
        Support.check(NativeCaller.PPPPSetCallbackContext(b) == 0, "PPPPSetCallbackContext(Context)");
        Support.check(NativeCaller.PPPPSetCallbackContext2(b, -1) == 0, "PPPPSetCallbackContext2");

        // Every declared method links; those without meaning here return -3.
        String none = "VSTC-000000-NONEA";
        Support.check(NativeCaller.StartVUID(none, "", 1, "", "", 0, "", 0L) == -3, "StartVUID unsupported");
        Support.check(NativeCaller.StartPlayBack(none, "f", 0, 0L, "", 0, 0) == -3, "StartPlayBack unsupported");
        Support.check(NativeCaller.PlayBackMovePos(none, 0.5f) == -3L, "PlayBackMovePos unsupported");
        Support.check(NativeCaller.SetPlayBackPos(none, 1L) == -3 && NativeCaller.StopPlayBack(none) == -3
                && NativeCaller.PausePlayBack(none, 1) == -3 && NativeCaller.StrarRecordPlayBack(none, "x") == -3, "playback unsupported");
        Support.check(NativeCaller.DecodeAudio(new byte[4], 4, 0, 8000, 0) == -3 && NativeCaller.FreeDecodeAudio() == -3, "audio helpers unsupported");
        Support.check(NativeCaller.SetSensorStatus(none, 1) == -3 && NativeCaller.DeleSensor(none, 1) == -3
                && NativeCaller.EditSensor(none, 1, "n") == -3 && NativeCaller.SetSensorPrest(none, 1, 1) == -3, "sensors unsupported");
        NativeCaller.UpgradeFirmware(none, "a", "b", 0);
        NativeCaller.PTPInitial("x");
        NativeCaller.QXPTPInitial("x");
        NativeCaller.PrintJNILog(1);
        NativeCaller.SetAPPDataPath("/tmp");
        Support.check(NativeCaller.IsPTPInitial() == 0 && NativeCaller.IsQXPTPInitial() == 0 && NativeCaller.GetP2PVersion(0) == 0
                && NativeCaller.GetVersion() > 0 && NativeCaller.PPPPNetworkDetect() == 0 && NativeCaller.FindProcessByName("x") == 0
                && NativeCaller.SetHardCodeing(none, 1) == 0, "informational methods");
        Support.check(NativeCaller.GetP2PConnetState(none) == -1, "GetP2PConnetState before start");
        Support.check(NativeCaller.PPPPPTZControl(none, 0) == -1 && NativeCaller.TransferMessage(none, "get_status.cgi", 1) == -1
                && NativeCaller.PPPPGetSystemParams(none, 0xd) == -1 && NativeCaller.PPPPGetCGI(none, 0xd) == -1
                && NativeCaller.PPPPCameraControl(none, 1, 1) == -1 && NativeCaller.PPPPRebootDevice(none) == -1
                && NativeCaller.PPPPRestorFactory(none) == -1 && NativeCaller.PPPPGetSDCardRecordFileList(none, 0, 10) == -1
                && NativeCaller.StartPPPPLivestream(none, 10, 1) == -1 && NativeCaller.StopPPPPLivestream(none) == -1
                && NativeCaller.PPPPStartAudio(none) == -1 && NativeCaller.PPPPStopAudio(none) == -1
                && NativeCaller.PPPPStartTalk(none) == -1 && NativeCaller.PPPPStopTalk(none) == -1 && NativeCaller.PPPPStartTalk2(none, 1) == -1
                && NativeCaller.PPPPTalkAudioData(none, new byte[2], 2) == -1 && NativeCaller.RecordLocal(none, "/tmp/x", 1) == -1
                && NativeCaller.StopPPPP(none) == -1, "methods on a camera not started return -1");
        NativeCaller.FormatSD(none);
        int[] z = new int[9];
        Support.check(NativeCaller.PPPPWifiSetting(none, 1, "s", 0, 0, 0, 0, 0, 0, "", "", "", "", 0, 0, 0, 0, "k") == -1
                && NativeCaller.PPPPNetworkSetting(none, "a", "b", "c", "d", "e", 0, 81, 554) == -1
                && NativeCaller.PPPPUserSetting(none, "a", "b", "c", "d", "e", "f") == -1
                && NativeCaller.PPPPDDNSSetting(none, 0, "a", "b", "c", "d", 0, 0) == -1
                && NativeCaller.PPPPMailSetting(none, "a", 25, "b", "c", 0, "d", "e", "f", "g", "h") == -1
                && NativeCaller.PPPPFtpSetting(none, "a", "b", "c", "d", 21, 0, 0) == -1
                && NativeCaller.PPPPPTZSetting(none, 0, 0, 0, 0, 0, 0, 0, 0, 0) == -1
                && NativeCaller.PPPPAlarmSetting(none, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0) == -1
                && NativeCaller.PPPPSDRecordSetting(none, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0) == -1
                && NativeCaller.PPPPEverydaySetting(none, 0, 0, 0, 0, 0, 0) == -1, "setters link");

        // LAN search (unicast to PPPP_LAN_TARGETS).
        NativeCaller.StartSearch();
        Support.check(Support.await(() -> b.search.stream().anyMatch(s -> s.startsWith(mjpeg + " 127.0.0.1 ")), 5000), "SearchResult (newest descriptor)");
        NativeCaller.StopSearch();

        // Connect: 0 CONNECTING, MODE 1, 2 ON_LINE, on PPPPMsgNotify and MessageNotify.
        Support.check(NativeCaller.StartPPPP(mjpeg, "admin", "6666", 1, "", 0) == 0, "StartPPPP (6 arguments)");
        Support.check(Support.await(() -> hasStatus(b, mjpeg, 2), 8000), "ON_LINE");
        Support.check(hasStatus(b, mjpeg, 0) && b.statuses.contains(mjpeg + " 1 1")
                && b.messages.contains(mjpeg + " 0 2"), "CONNECTING, MODE P2P, MessageNotify");
        Support.check(b.statuses.indexOf(mjpeg + " 0 0") < b.statuses.indexOf(mjpeg + " 0 2"), "CONNECTING before ON_LINE");
        Support.check(Support.await(() -> NativeCaller.GetP2PConnetState(mjpeg) == 1, 3000), "GetP2PConnetState connected");

        // MJPEG video: STREAM 1 before the first frame, 30 valid JPEGs with their size; an
        // exception thrown by VideoData is survived.
        b.throwOnFrame = 5;
        Support.check(NativeCaller.StartPPPPLivestream(mjpeg, 10, 1) == 0, "StartPPPPLivestream");
        Support.check(Support.await(() -> b.jpegs.get() >= 30, 15000), "30 MJPEG frames: " + b.jpegs.get());
        Support.check(b.badJpegs.get() == 0, "every VideoData buffer is a whole JPEG");
        Support.check(b.jpegW == 320 && b.jpegH == 240, "JPEG size from its SOF: " + b.jpegW + "x" + b.jpegH);
        Support.check(b.streamBeforeFrame.get() == 0 && b.statuses.contains(mjpeg + " 2 1"), "STREAM JPEG before the first frame");
        Support.check(b.threads.stream().allMatch(t -> t.equals(mjpeg + "/true")), "callbacks on a daemon thread named after the DID: " + new java.util.HashSet<>(b.threads));

        // Commands.
        Support.check(NativeCaller.TransferMessage(mjpeg, "get_status.cgi", 1) == 0, "TransferMessage");
        Support.check(Support.await(() -> b.cmdStrings.stream().anyMatch(s -> s.contains("sys_ver")), 5000), "CallBackTransCMDString");
        Support.check(Support.await(() -> b.transfer.stream().anyMatch(s -> s.startsWith("24577 ") && s.contains("deviceid")), 5000), "CallBackTransferMessage");
        Support.check(NativeCaller.PPPPGetSystemParams(mjpeg, 0xd) == 0, "PPPPGetSystemParams(GET_STATUS)");
        Support.check(Support.await(() -> b.cameraStatus != null, 5000), "CallBack_CameraStatusParams");
        Support.check(b.cameraStatus.equals(mjpeg + "|48.53.64.1 (pppp emulator)|pppp emulator|" + mjpeg + "|1.0.0.1 (pppp emulator)|30436"), b.cameraStatus);
        // A search now reports the versions, MAC and name the camera gave.
        NativeCaller.StartSearch();
        String identity = mjpeg + "|48.53.64.1 (pppp emulator)|1.0.0.1 (pppp emulator)|00:b9:c0:00:a9:b3|pppp emulator";
        Support.check(Support.await(() -> b.identities.contains(identity), 5000), "SearchResult with versions, MAC and name: " + b.identities);
        NativeCaller.StopSearch();
        // A message the camera sends on its own reaches the same callbacks as a reply.
        Support.check(NativeCaller.TransferMessage(mjpeg, "pppp_push.cgi?message=motion", 1) == 0, "TransferMessage pppp_push.cgi");
        Support.check(Support.await(() -> b.cmdStrings.contains("var message=\"motion\";\r\n"), 5000), "unsolicited message -> CallBackTransCMDString: " + b.cmdStrings);
        Support.check(Support.await(() -> b.transfer.contains("24832 var message=\"motion\";\r\n"), 5000), "unsolicited message -> CallBackTransferMessage with its command");
        Support.check(NativeCaller.PPPPPTZControl(mjpeg, 4) == 0, "PPPPPTZControl left");
        Support.check(Support.await(() -> b.results.contains(mjpeg + " 3 1"), 5000), "PTZ result");
        Support.check(Support.ask("last_ptz " + mjpeg).equals("4"), "the camera moved left");
        Support.check(NativeCaller.PPPPDatetimeSetting(mjpeg, 1712345678, -3600, 0, "") == 0, "PPPPDatetimeSetting");
        Support.check(Support.await(() -> b.results.contains(mjpeg + " 12 1"), 5000), "CallBack_SetSystemParamsResult(SET_DATETIME, 1)");
        Support.check(Support.ask("clock " + mjpeg).equals("1712345678"), "the camera's clock was set");
        Support.check(NativeCaller.PPPPUserSetting(mjpeg, "", "", "", "", "admin", "6666") == 0, "PPPPUserSetting");
        Support.check(Support.await(() -> b.results.contains(mjpeg + " 10 0"), 5000), "a setter the camera refuses reports 0");

        // Audio and talk.
        Support.check(NativeCaller.PPPPStartAudio(mjpeg) == 0, "PPPPStartAudio");
        Support.check(Support.await(() -> b.audioFrames.get() >= 5, 5000), "AudioData PCM frames");
        Support.check(NativeCaller.PPPPStartTalk(mjpeg) == 0, "PPPPStartTalk");
        byte[] pcm = new byte[8000 * 2];
        for (int i = 0; i < 8000; i++) {
            short s = (short) (8000 * Math.sin(2 * Math.PI * 440 * i / 8000.0));
            pcm[2 * i] = (byte) s;
            pcm[2 * i + 1] = (byte) (s >> 8);
        }
        Support.check(NativeCaller.PPPPTalkAudioData(mjpeg, pcm, pcm.length) == 0, "PPPPTalkAudioData");
        Support.check(Support.await(() -> Integer.parseInt(Support.ask("talk_samples " + mjpeg)) >= 4096, 5000), "talk samples reached the camera");
        NativeCaller.PPPPStopTalk(mjpeg);

        // The camera is killed mid-stream: 4 DISCONNECT, then 2 ON_LINE when it is back, and
        // the video resumes.
        b.statuses.clear();
        Support.check(Support.ask("kill " + mjpeg).equals("ok"), "camera killed");
        Support.check(Support.await(() -> hasStatus(b, mjpeg, 4), 15000), "DISCONNECT");
        Support.check(Support.ask("restart " + mjpeg).equals("ok"), "camera restarted");
        Support.check(Support.await(() -> hasStatus(b, mjpeg, 2), 15000), "ON_LINE again");
        int before = b.jpegs.get();
        Support.check(Support.await(() -> b.jpegs.get() >= before + 10, 10000), "video resumes after the reconnection");

        // StopPPPP: no callback for the DID after it returns.
        Support.check(NativeCaller.StopPPPP(mjpeg) == 0, "StopPPPP");
        long calls = b.calls.get();
        Thread.sleep(500);
        Support.check(b.calls.get() == calls, "no callback after StopPPPP");

        // H.264 (x264 High profile): decoded YUV of the right size, and raw access units.
        Support.check(NativeCaller.StartPPPPExt(h264, "admin", "6666", 1, "", "", 0) == 0, "StartPPPPExt (7 arguments)");
        Support.check(Support.await(() -> hasStatus(b, h264, 2), 8000), "H.264 camera ON_LINE");
        Support.check(NativeCaller.StartPPPPLivestream(h264, 10, 1) == 0, "H.264 livestream");
        Support.check(Support.await(() -> b.yuvFrames.get() >= 20 && b.h264Units.get() >= 20, 15000),
                "decoded YUV frames " + b.yuvFrames.get() + ", access units " + b.h264Units.get());
        Support.check(b.badYuv.get() == 0, "YUV420 frames of 320x240, len = w*h*3/2");
        Support.check(b.statuses.contains(h264 + " 2 0"), "STREAM H.264");
        String rec = Support.ask("tmp");
        Support.check(NativeCaller.RecordLocal(h264, rec + "/clip.mp4", 1) == 0, "RecordLocal on");
        int units = b.h264Units.get();
        Support.await(() -> b.h264Units.get() >= units + 60, 10000);
        Support.check(NativeCaller.RecordLocal(h264, "", 0) == 0, "RecordLocal off");
        String[] answer = new String[1];
        Support.check(Support.await(() -> (answer[0] = Support.ask("h264_file " + rec + "/clip.h264")).equals("ok"), 5000), "RecordLocal wrote the H.264 file: " + answer[0]);
        NativeCaller.StopPPPP(h264);

        // The decoder helpers on a key frame the camera sent.
        byte[] key = b.lastUnit;
        Support.check(key != null, "a key frame arrived");
        NativeCaller.ResetDecodeH264();
        byte[] yuv = new byte[320 * 240 * 3 / 2];
        int[] size = new int[2];
        int n = NativeCaller.DecodeH264Frame(key, 1, yuv, key.length, size);
        Support.check(n == yuv.length && size[0] == 320 && size[1] == 240, "DecodeH264Frame: " + n + " " + size[0] + "x" + size[1]);
        byte[] rgb = new byte[320 * 240 * 2];
        Support.check(NativeCaller.YUV4202RGB565(yuv, rgb, 320, 240) == 0, "YUV4202RGB565");
        boolean colour = false;
        for (int i = 0; i < rgb.length; i += 2) {
            colour |= rgb[i] != 0 || rgb[i + 1] != 0;
        }
        Support.check(colour, "RGB565 picture is not black");
        Support.check(NativeCaller.YUV4202RGB565(yuv, new byte[10], 320, 240) == -2, "YUV4202RGB565 checks sizes");

        // Failures: wrong password 8, malformed DID 5, unknown camera 6.
        b.statuses.clear();
        NativeCaller.StartPPPP(mjpeg, "admin", "wrong", 1, "", 0);
        Support.check(Support.await(() -> hasStatus(b, mjpeg, 8), 8000), "wrong password -> 8");
        Support.check(NativeCaller.GetP2PConnetState(mjpeg) == -2, "GetP2PConnetState after a refused login: -2");
        Support.check(NativeCaller.PPPPPTZControl(mjpeg, 4) == -5, "a request after a refused login: -5, not queued");
        NativeCaller.StopPPPP(mjpeg);
        NativeCaller.StartPPPP("not a did", "admin", "6666", 1, "", 0);
        Support.check(Support.await(() -> hasStatus(b, "not a did", 5), 3000), "malformed DID -> 5");
        NativeCaller.StopPPPP("not a did");
        String unknown = "VSTC-999999-ZZZZZ";
        NativeCaller.StartPPPP(unknown, "admin", "6666", 1, "", 0);
        Support.check(Support.await(() -> hasStatus(b, unknown, 6), 12000), "unknown camera -> 6");
        NativeCaller.StopPPPP(unknown);
        // StopPPPP during a connection attempt returns at once (the connect timeout is 6 s),
        // and nothing is called for the DID afterwards.
        b.statuses.clear();
        NativeCaller.StartPPPP(unknown, "admin", "6666", 1, "", 0);
        Support.check(Support.await(() -> hasStatus(b, unknown, 0), 3000), "connecting to the unknown camera");
        long t0 = System.nanoTime();
        Support.check(NativeCaller.StopPPPP(unknown) == 0, "StopPPPP while connecting");
        long stopMs = (System.nanoTime() - t0) / 1_000_000;
        Support.check(stopMs < 2000, "StopPPPP during a connect does not wait for the connect timeout: " + stopMs + " ms");
        long quietCalls = b.calls.get();
        Thread.sleep(300);
        Support.check(b.calls.get() == quietCalls, "no callback after StopPPPP during a connect");

        // 100 start/stop cycles: no thread or memory growth.
        for (int i = 0; i < 10; i++) {
            cycle(b, mjpeg);
        }
        System.gc();
        int threads0 = Thread.activeCount();
        long rss0 = Support.rssKb();
        for (int i = 0; i < 100; i++) {
            cycle(b, mjpeg);
        }
        System.gc();
        int threads1 = Thread.activeCount();
        long rss1 = Support.rssKb();
        Support.check(threads1 <= threads0, "threads " + threads0 + " -> " + threads1);
        Support.check(rss1 - rss0 < 16 * 1024, "RSS " + rss0 + " kB -> " + rss1 + " kB");

        // A null context disables callbacks.
        NativeCaller.PPPPSetCallbackContext(null);
        long quiet = b.calls.get();
        NativeCaller.StartPPPP(mjpeg, "admin", "6666", 1, "", 0);
        Support.check(Support.await(() -> NativeCaller.GetP2PConnetState(mjpeg) == 1, 8000), "connects without a context");
        NativeCaller.StopPPPP(mjpeg);
        Support.check(b.calls.get() == quiet, "no callback with a null context");
        NativeCaller.Free();
        Support.done();
    }

    static void cycle(Bridge b, String did) {
        b.statuses.clear();
        NativeCaller.StartPPPP(did, "admin", "6666", 1, "", 0);
        Support.check(Support.await(() -> hasStatus(b, did, 2), 8000), "cycle ON_LINE");
        NativeCaller.StopPPPP(did);
    }
}
