/*
 * PPCS_Type.h - the basic types of the CS2 P2P SDK API, for programs written for the vendor
 * library (part of pppp; written for pppp, with the vendor's type names).
 */
#ifndef PPCS_TYPE_H
#define PPCS_TYPE_H

/* INT32/UINT32 are fixed-width here on every platform (the vendor header defines them only
 * when LINUX or WIN32DLL is defined; consumers build with -DLINUX). */
typedef int INT32;
typedef unsigned int UINT32;
typedef short INT16;
typedef unsigned short UINT16;
typedef char CHAR;
typedef signed char SCHAR;
typedef unsigned char UCHAR;
typedef long LONG;
typedef unsigned long ULONG;

/* The vendor header makes `bool` a CHAR where no bool exists; do the same for pre-C23 C
 * programs that did not include <stdbool.h>. */
#if !defined(__cplusplus) && !defined(bool) && !defined(__bool_true_false_are_defined) \
    && !(defined(__STDC_VERSION__) && __STDC_VERSION__ >= 202311L)
#define bool CHAR
#endif

/* The export macro of the vendor headers (nothing to do outside Windows DLLs). */
#ifndef PPPP_API_API
#if defined(_WIN32) && defined(PPPP_API_EXPORTS)
#define PPPP_API_API __declspec(dllexport)
#else
#define PPPP_API_API
#endif
#endif

#endif /* PPCS_TYPE_H */
