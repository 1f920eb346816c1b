// SPDX-License-Identifier: Apache-2.0
#pragma once
// Writing an output file so that a failure never costs the old one.
//
// The content goes to a new temporary file beside the target (same directory, so same file
// system), is flushed to disk (fsync), and only then renamed over the target; the directory is
// synced so the rename lasts. On any failure (full disk, `ulimit -f`, permissions, a directory
// in the way) the temporary file is removed, the old file is untouched, and the reason is
// returned. A target that exists and is not a regular file (/dev/null, /dev/stdout, a pipe) is
// a stream, not a file to replace: it is written in place. A symbolic link is followed, so the
// file it points to is replaced, not the link.
//
// The tool and its tests use this one function for every file they write. The libvirt adapter
// keeps its own on purpose (adapters/libvirt/src/util.hpp write_atomic says why: a root hook
// must replace a FIFO or a planted link, never write through it).
// Callers should ignore SIGXFSZ (ignore_file_size_signal) so that exceeding `ulimit -f` is a
// failed write, not a killed process.

#include <optional>
#include <string>
#include <string_view>

#include <shype/tool/io/error.hpp>

namespace shype::tool {

/// Replaces `path` with `content`. The new file gets `mode` if given, else the old file's mode,
/// else 0666 less the umask. On failure an error whose line does not name `path` (e.g. "cannot
/// write: No space left on device; the old file is unchanged").
[[nodiscard]] status write_file_atomic(const std::string& path, std::string_view content,
                                       std::optional<unsigned> mode = std::nullopt);

/// Creates a new empty file beside `path` (same directory, hidden, unique name) for a program
/// that writes its result somewhere first (graph --svg runs Graphviz): its name, or an error. The
/// caller removes it.
[[nodiscard]] result<std::string> temp_file_beside(const std::string& path);

/// Ignores SIGXFSZ, so that writing past RLIMIT_FSIZE fails with EFBIG instead of killing the
/// process (call once, at the start of main).
void ignore_file_size_signal() noexcept;

}  // namespace shype::tool
