// SPDX-License-Identifier: Apache-2.0
// Records the TPM exchanges tpm2_unit.cpp replays: drives refhv's own TPM 2.0 encoding
// (arch/tpm2) against swtpm's command socket and writes every command and response as hex.
// Not a test; how tests/host/tpm2/*.txt were made (tests/host/tpm2/record.sh runs it).
//   tpm2-record SOCKET OUT.txt
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string>

#include "tpm2_session.hpp"

using namespace refhv;

namespace {
int g_fd = -1;
FILE* g_out = nullptr;

void hexline(char dir, const u8* p, usize n) {
    std::fprintf(g_out, "%c ", dir);
    for (usize i = 0; i < n; ++i) std::fprintf(g_out, "%02x", p[i]);
    std::fprintf(g_out, "\n");
}

bool io(const u8* cmd, usize n, u8* rsp, usize cap, usize& got) noexcept {
    hexline('>', cmd, n);
    if (write(g_fd, cmd, n) != static_cast<ssize_t>(n)) return false;
    got = 0;
    usize want = 10;
    while (got < want) {
        const ssize_t r = read(g_fd, rsp + got, want - got);
        if (r <= 0) return false;
        got += static_cast<usize>(r);
        if (got >= 6 && want == 10) {
            want = (usize{rsp[2]} << 24) | (usize{rsp[3]} << 16) | (usize{rsp[4]} << 8) | rsp[5];
            if (want > cap || want < 10) return false;
        }
    }
    hexline('<', rsp, got);
    return true;
}

int fail(const char* what, tpm2::status s) {
    std::fprintf(stderr, "tpm2-record: %s: %s\n", what, tpm2::to_string(s));
    return 1;
}
}  // namespace

int main(int argc, char** argv) {
    if (argc != 3) {
        std::fprintf(stderr, "usage: tpm2-record SOCKET OUT.txt\n");
        return 2;
    }
    g_fd = socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::snprintf(a.sun_path, sizeof a.sun_path, "%s", argv[1]);
    if (connect(g_fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
        std::perror("tpm2-record: connect");
        return 1;
    }
    g_out = std::fopen(argv[2], "w");
    if (g_out == nullptr) return 1;
    static tpm2::client tpm(io);
    static tpm2_session::results r;
    if (!tpm2_session::run(tpm, r)) return fail(r.failed, r.status);
    // A refused command, for the error path: extending a PCR that does not exist.
    u8 cmd[tpm2::max_command], rsp[tpm2::max_response];
    usize got = 0;
    if (!io(cmd, tpm2::build_pcr_extend(cmd, 30, r.digest), rsp, sizeof rsp, got)) return 1;
    std::fclose(g_out);
    close(g_fd);
    return 0;
}
