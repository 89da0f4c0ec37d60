// The SHIX-family object.p2pipcam API against an emulated SHIX camera (JSON dialect, MJPEG).
// Argument: the DID.
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import object.p2pipcam.nativecaller.NativeCaller;
import pppptest.Support;

public class ObjectTest {
    static class Receiver {
        final List<String> statuses = Collections.synchronizedList(new ArrayList<>());
        final List<String> replies = Collections.synchronizedList(new ArrayList<>());
        final List<String> results = Collections.synchronizedList(new ArrayList<>());
        final List<String> search = Collections.synchronizedList(new ArrayList<>());
        final AtomicInteger jpegs = new AtomicInteger();
        volatile String last;
        volatile String status;

        private void PPPPMsgNotify(String did, int type, int param) {
            statuses.add(did + " " + type + " " + param);
        }

        private void VideoData(String did, byte[] buf, int h264Data, int len, int width, int height, int time) {
            if (h264Data == 0 && Support.isJpeg(buf, len) && width > 0 && height > 0) {
                jpegs.incrementAndGet();
            }
            last = width + "x" + height + " h264=" + h264Data + " len=" + len;
        }

        private void CallBackTransferMessage(String did, String reply, int cmd) {
            replies.add(cmd + " " + reply);
        }

        private void CallBack_SetSystemParamsResult(String did, int paramType, int result) {
            results.add(paramType + " " + result);
        }

        private void SearchResult(int cameraType, String mac, String name, String did, String ip, int port) {
            search.add(did);
        }

        private void CallBack_CameraStatusParams(String did, String sysver, String devname, String devid, String appver, String oemid, int alarmstatus, int sdcardstatus, int sdcardtotalsize, int sdcardremainsize) {
            status = sysver + "|" + devid + "|" + appver;
        }
    }

    public static void main(String[] args) throws Exception {
        String did = args[0];
        Receiver r = new Receiver();
        NativeCaller.PPPPInitial("");
        Support.check(NativeCaller.PPPPSetCallbackContext(r) == 0, "object PPPPSetCallbackContext");
        Support.check(NativeCaller.OpenAviFileName(did, "f", "MJPG", 240, 320, 10) == -3 && NativeCaller.CloseAvi(did) == -3
                && NativeCaller.WriteData(did, new byte[1], 1, 1) == -3 && NativeCaller.WriteAudioData(did, new byte[1], 1) == -3
                && NativeCaller.SetAPParam(did, "a", "b") == -3 && NativeCaller.DeletFile(did, "x") == -3
                && NativeCaller.PPPPSetUserTime(did, 0, 0, 0, 0, 0, 0) == -3 && NativeCaller.PPPPAlarmOpenCloseSetting(did, 0, 0) == -3,
                "object helpers link and return -3");
        NativeCaller.StartSearch();
        Support.check(Support.await(() -> r.search.contains(did), 5000), "object SearchResult");
        NativeCaller.StopSearch();
        Support.check(NativeCaller.StartPPPP(did, "admin", "wrong", "") == 0, "StartPPPP (4 arguments)");
        Support.check(Support.await(() -> r.statuses.contains(did + " 0 10"), 8000), "object class: refused login -> 10");
        NativeCaller.StopPPPP(did);
        r.statuses.clear();
        NativeCaller.StartPPPP(did, "admin", "6666", "");
        Support.check(Support.await(() -> r.statuses.contains(did + " 0 2"), 8000), "object ON_LINE");
        Support.check(NativeCaller.StartPPPPLivestream(did, 10, "", 15) == 0, "StartPPPPLivestream (SHIX signature)");
        Support.check(Support.await(() -> r.jpegs.get() >= 30, 15000), "30 JPEG frames (SHIX VideoData descriptor): " + r.jpegs.get() + " " + r.last);
        Support.check(NativeCaller.TransferMessage(did, "{\"pro\":\"get_parms\",\"cmd\":101,\"user\":\"admin\",\"pwd\":\"6666\"}", 0) == 0, "TransferMessage JSON");
        Support.check(Support.await(() -> r.replies.stream().anyMatch(s -> s.startsWith("101 {")), 5000), "CallBackTransferMessage JSON reply");
        Support.check(NativeCaller.PPPPPTZControl(did, 6) == 0, "PPPPPTZControl on SHIX");
        Support.check(Support.await(() -> r.results.contains("3 1"), 5000), "SHIX PTZ result");
        Support.check(NativeCaller.PPPPGetSystemParams(did, 0x22) == -4, "a CGI-only getter returns -4 on SHIX");
        Support.check(NativeCaller.PPPPGetSystemParams(did, 0xd) == 0, "PPPPGetSystemParams(GET_STATUS) on SHIX");
        Support.check(Support.await(() -> r.status != null, 5000), "SHIX CallBack_CameraStatusParams");
        Support.check(r.status.equals("PPPP_FAKE_1.0 (pppp emulator)|" + did + "|1.1.1.1"), "SHIX firmware and MCU versions: " + r.status);
        Support.check(NativeCaller.StopPPPP(did) == 0, "object StopPPPP");
        Support.done();
    }
}
