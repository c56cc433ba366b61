// Process helpers the Swift Glibc module does not expose.
#include "ckernels.h"
#if defined(__linux__)
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>
#endif

int bl_kill_when_parent_dies(void) {
#if defined(__linux__)
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) return -1;
    // The parent may have died before the request: then this process was re-parented already.
    return getppid() == 1 ? -1 : 0;
#else
    return 0;
#endif
}
