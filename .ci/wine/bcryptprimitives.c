/*
 * bcryptprimitives.c - minimal stand-in for Windows' bcryptprimitives.dll,
 * used ONLY by the CI harness that runs Go Windows test binaries under Wine.
 *
 * Why it exists: since Go 1.22 the Windows runtime gets its random bytes
 * from bcryptprimitives.dll!ProcessPrng and aborts at start-up if that DLL
 * or export is missing ("bcryptprimitives.dll not found").  Debian 12's
 * Wine 8.0 ships no bcryptprimitives.dll, so every Go >= 1.22 .exe dies
 * before main().  This DLL supplies ProcessPrng on top of advapi32's
 * SystemFunction036 (RtlGenRandom), which Wine does implement.
 * setup.sh builds it with mingw-w64 and copies it into the Wine prefix's
 * drive_c/windows/system32 (where the Go runtime looks for it).
 *
 * Not used by, or shipped with, the library itself.
 */
#include <windows.h>

/* advapi32!SystemFunction036 == RtlGenRandom */
BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

/* Documented signature: BOOL ProcessPrng(PBYTE pbData, SIZE_T cbData).
 * Real Windows always returns TRUE; so do we unless RtlGenRandom fails. */
__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
    while (len > 0) {
        ULONG chunk = len > 0x40000000u ? 0x40000000u : (ULONG)len;
        if (!SystemFunction036(data, chunk))
            return FALSE;
        data += chunk;
        len -= chunk;
    }
    return TRUE;
}

/* Built with -nostdlib, so this is the raw DLL entry point (no CRT). */
BOOL WINAPI DllMain(HINSTANCE inst, DWORD reason, LPVOID reserved)
{
    (void)inst; (void)reason; (void)reserved;
    return TRUE;
}
