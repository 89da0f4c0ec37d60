// A stand-in for Android's Context, so that receivers declared as in the SDK's apps
// (`PPPPSetCallbackContext(Context)`) compile and run on a desktop JVM.
package android.content;

public class Context {}
