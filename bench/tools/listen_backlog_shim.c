/* listen_backlog_shim: LD_PRELOAD library that raises the backlog of every listen() call to
 * $LISTEN_BACKLOG (default 4096). For experiments only: it shows what the gateway's accept path
 * would do with a deeper listen queue without touching the server's code (Qt's QTcpServer
 * listens with a backlog of 50 unless setListenBacklogSize() is called).
 *
 *   LD_PRELOAD=build-bench/liblisten_backlog_shim.so LISTEN_BACKLOG=4096 dynaseal-server ...
 *   (bench/run.sh does this when GATEWAY_LISTEN_BACKLOG is set)
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <sys/socket.h>

int listen(int fd, int backlog)
{
    static int (*real_listen)(int, int);
    if (!real_listen)
        real_listen = (int (*)(int, int))dlsym(RTLD_NEXT, "listen");
    const char *wanted = getenv("LISTEN_BACKLOG");
    const int floor = wanted ? atoi(wanted) : 4096;
    return real_listen(fd, backlog < floor ? floor : backlog);
}
