// Shared by the three test programs: checks, waiting with a deadline, and questions to the
// Rust harness that runs the emulated cameras ("ASK what" on stdout, one answer line on stdin).
package pppptest;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.function.BooleanSupplier;

public final class Support {
    private static final BufferedReader IN =
            new BufferedReader(new InputStreamReader(System.in));

    private Support() {}

    public static synchronized String ask(String what) {
        System.out.println("ASK " + what);
        System.out.flush();
        try {
            String answer = IN.readLine();
            return answer == null ? "" : answer.trim();
        } catch (java.io.IOException e) {
            return "";
        }
    }

    public static void check(boolean ok, String what) {
        if (!ok) {
            System.out.println("FAIL " + what);
            System.out.flush();
            System.exit(1);
        }
        System.out.println("PASS " + what);
        System.out.flush();
    }

    /** Waits until cond holds or ms pass; true when it holds. */
    public static boolean await(BooleanSupplier cond, long ms) {
        long end = System.currentTimeMillis() + ms;
        while (System.currentTimeMillis() < end) {
            if (cond.getAsBoolean()) {
                return true;
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                return false;
            }
        }
        return cond.getAsBoolean();
    }

    public static long rssKb() {
        try {
            for (String l : Files.readAllLines(Paths.get("/proc/self/status"))) {
                if (l.startsWith("VmRSS:")) {
                    return Long.parseLong(l.replaceAll("[^0-9]", ""));
                }
            }
        } catch (Exception e) {
            // not Linux: no measurement
        }
        return 0;
    }

    public static boolean isJpeg(byte[] b, int len) {
        return len > 4 && (b[0] & 0xff) == 0xff && (b[1] & 0xff) == 0xd8
                && (b[len - 2] & 0xff) == 0xff && (b[len - 1] & 0xff) == 0xd9;
    }

    public static void done() {
        System.out.println("DONE");
        System.out.flush();
        System.exit(0);
    }
}
